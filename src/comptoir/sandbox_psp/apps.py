from django.apps import AppConfig


class SandboxPspConfig(AppConfig):
    name = "comptoir.sandbox_psp"
    label = "sandbox_psp"
    verbose_name = "Sandbox PSP"
