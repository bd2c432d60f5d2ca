"""Sentences for the merchant kept untranslated, so each reader sees them in their own
language: an English-speaking merchant of a French shop reads English titles, whatever
language the worker spoke when the item was raised.

A sentence is stored as its msgid (marked with ``gettext_noop``) and its parameters. A
parameter is kept as it is, except a lazy translation (a status or method label), kept as
its msgid and translated when shown, and a date or an amount, formatted when shown.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.functional import Promise

DATE_FORMAT = "DATE_FORMAT"


def day(value: date, fmt: str = DATE_FORMAT) -> dict[str, str]:
    """A date parameter, formatted in the reader's language with ``fmt`` when shown."""
    if isinstance(value, datetime):
        value = value.date()
    return {"date": value.isoformat(), "format": fmt}


def label(value: str | Promise, *, lower: bool = False) -> dict[str, Any]:
    """A lazy label parameter (a payment method, a status), translated when shown."""
    with translation.override(None):
        return {"msgid": str(value), "lower": lower}


def freeze(msgid: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"msgid": str(msgid), "params": {k: _freeze_param(v) for k, v in (params or {}).items()}}


def _freeze_param(value: Any) -> Any:
    from comptoir.core.money import Money

    if isinstance(value, Promise):
        return label(value)
    if isinstance(value, Money):
        return {"money": str(value.amount), "currency": value.currency}
    if isinstance(value, dict) and {"date", "msgid", "money"} & value.keys():
        return value
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def render(frozen: dict[str, Any]) -> str:
    """The sentence in the active language (its msgid when no catalog has it)."""
    template = translation.gettext(frozen["msgid"]) if frozen.get("msgid") else ""
    params = {k: _render_param(v) for k, v in (frozen.get("params") or {}).items()}
    try:
        return template % params if params else template
    except (KeyError, TypeError, ValueError):
        # A translation that lost a placeholder must not hide the item: fall back to English.
        return frozen["msgid"] % params if params else frozen["msgid"]


def _render_param(value: Any) -> Any:
    if isinstance(value, dict):
        if "msgid" in value:
            text = translation.gettext(value["msgid"])
            return text.lower() if value.get("lower") else text
        if "date" in value and (parsed := parse_date(value["date"])):
            return date_format(parsed, value.get("format") or DATE_FORMAT)
        if "money" in value:
            from comptoir.core.money import Money

            return Money(Decimal(value["money"]), value["currency"]).format()
    return value
