"""Comptoir: the shop runs itself; the merchant handles only the exceptions."""

__version__ = "0.1.0"
