from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "comptoir.cart"
    label = "cart"
