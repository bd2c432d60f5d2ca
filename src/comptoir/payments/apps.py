from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "comptoir.payments"
    label = "payments"
