from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "comptoir.core"
    label = "core"

    def ready(self) -> None:
        from comptoir.core import checks  # noqa: F401  (registers the system checks)
