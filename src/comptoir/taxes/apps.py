from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "comptoir.taxes"
    label = "taxes"
