"""The ``comptoir`` command: Django's management commands with Comptoir's settings.

``comptoir demo``, ``comptoir serve``, ``comptoir worker`` and ``comptoir createmerchant``
are management commands of their own apps; everything Django ships (``migrate``,
``check --deploy``, ``shell``...) works the same way.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["comptoir", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
