from django.urls import path, re_path

from comptoir.seo import views

app_name = "seo"

urlpatterns = [
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_index, name="sitemap_index"),
    path("sitemaps/pages.xml", views.sitemap_pages, name="sitemap_pages"),
    re_path(
        r"^sitemaps/(?P<kind>products|categories)-(?P<language>[a-z]{2})-(?P<number>[0-9]+)\.xml$",
        views.sitemap,
        name="sitemap",
    ),
    re_path(r"^feeds/(?P<kind>google)-(?P<language>[a-z]{2})\.xml$", views.feed, name="feed"),
    re_path(r"^feeds/(?P<kind>meta)-(?P<language>[a-z]{2})\.csv$", views.feed, name="meta_feed"),
]
