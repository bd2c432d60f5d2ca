"""Reading the return form: one quantity and one reason per order line, named
``quantity-<line id>`` and ``reason-<line id>``. Whatever is posted, the result is a list
of what was asked and of errors to show, never an exception."""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _

from comptoir.returns.services import Wanted

MAX_NOTE = 2000


def parse_request(data: QueryDict) -> tuple[list[Wanted], str, list[str]]:
    wanted, errors = [], []
    for name, value in data.items():
        if not name.startswith("quantity-"):
            continue
        line_id = name.removeprefix("quantity-")
        raw = (value or "").strip() or "0"
        if not line_id.isdigit() or len(line_id) > 12:
            errors.append(_("The form was altered; reload the page."))
            continue
        if not raw.isdigit() or len(raw) > 6:
            errors.append(
                _("Quantities are whole numbers: %(value)s is not.") % {"value": raw[:12]}
            )
            continue
        quantity = int(raw)
        if quantity:
            reason = str(data.get(f"reason-{line_id}", ""))[:40]
            wanted.append(Wanted(line_id=int(line_id), quantity=quantity, reason=reason))
    note = str(data.get("note", ""))[:MAX_NOTE]
    return wanted, note, errors
