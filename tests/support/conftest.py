import pytest

from tests.reliability.smtp import SMTPServer


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1; the project sends through it."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        yield server


def ticket_emails(server) -> list:
    return [m for m in server.inbox.messages if m.get("X-Comptoir-Ticket")]
