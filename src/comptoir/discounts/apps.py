from django.apps import AppConfig


class DiscountsConfig(AppConfig):
    name = "comptoir.discounts"
    label = "discounts"
