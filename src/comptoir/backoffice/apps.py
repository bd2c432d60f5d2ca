from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    name = "comptoir.backoffice"
    label = "backoffice"
