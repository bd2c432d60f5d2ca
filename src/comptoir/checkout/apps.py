from django.apps import AppConfig


class CheckoutConfig(AppConfig):
    name = "comptoir.checkout"
    label = "checkout"
