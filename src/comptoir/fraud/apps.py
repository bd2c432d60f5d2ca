from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "comptoir.fraud"
    label = "fraud"
    verbose_name = _("Fraud screening")

    def ready(self) -> None:
        from comptoir.fraud import checks  # noqa: F401 - registers the system checks
