"""Where sold files live: a folder outside ``MEDIA_ROOT``, so the ``/media/`` view (or the
front proxy serving it) can never hand one out; only the download view reads them."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


def private_root() -> str:
    return str(getattr(settings, "COMPTOIR_PRIVATE_ROOT", settings.DATA_DIR / "private"))


@deconstructible
class PrivateStorage(FileSystemStorage):
    """The location is read from settings at each use (not frozen at import), and there is
    no public URL."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return private_root()

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        return ""  # no public address; only a download grant's link reaches the file


private_storage = PrivateStorage()
