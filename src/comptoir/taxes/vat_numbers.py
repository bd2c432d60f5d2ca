"""Intra-EU VAT numbers of business buyers: checked offline, by their country's format and
check digits (python-stdnum). Whether the number is live is the VIES service's to say,
which is not asked here: a checkout must not wait on, or fail with, a remote service."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat

from comptoir.customers.addresses import country_name

#: The prefixes that are not the country's ISO code: Greece writes EL, Northern Ireland XI.
PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}


def clean_vat_number(number: str, *, country: str) -> str:
    """``number`` in its compact form (``FR40303265045``), for a buyer billed in
    ``country``; raise ValidationError with a message for the shopper otherwise."""
    # stdnum's own compact() refuses an unknown prefix with its own error: tidy first.
    compact = re.sub(r"[\s.\-/]", "", number or "").upper()
    prefix = compact[:2]
    member = prefix.lower() in vat.MEMBER_STATES or prefix == "EL"
    if not member or prefix == "GR":
        raise ValidationError(
            _("Enter an EU VAT number starting with its country code, e.g. FR40303265045."),
            code="prefix",
        )
    issued_in = PREFIX_COUNTRY.get(prefix, prefix)
    if country and issued_in != country.upper():
        raise ValidationError(
            _("This VAT number is from %(issued)s, but the billing address is in %(country)s.")
            % {"issued": country_name(issued_in), "country": country_name(country.upper())},
            code="country",
        )
    try:
        return str(vat.validate(compact)).upper()
    except stdnum_errors.ValidationError:
        raise ValidationError(
            _("This is not a valid VAT number of %(country)s: check its digits.")
            % {"country": country_name(issued_in)},
            code="invalid",
        ) from None
