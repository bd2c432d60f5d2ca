class ComptoirError(Exception):
    """A business rule said no. The message is safe to show to the person who asked."""
