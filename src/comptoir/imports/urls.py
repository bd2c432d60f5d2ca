"""Old URL -> new URL: the patterns of each platform, and the merchant's old URL list."""
