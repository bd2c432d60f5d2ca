"""Which country an IP address is in: one seam, ``COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER`` (a
dotted path to a :class:`CountryResolver`), like Django's ``SESSION_ENGINE``.

The default reads a MaxMind-style ``.mmdb`` file (GeoLite2-Country or -City) named by
``COMPTOIR_FRAUD_GEOIP_DATABASE`` with the ``geoip2`` package. Without a file the country
is unknown, and the country rule says so rather than guess.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class Located:
    country: str = ""  # ISO 3166-1 alpha-2, upper case; "" when unknown
    # Why unknown, as an untranslated msgid (shown translated with the screening).
    note: str = ""


class CountryResolver:
    """Subclass and name yours in ``COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER``."""

    def locate(self, ip: str) -> Located:
        raise NotImplementedError


class MaxMindResolver(CountryResolver):
    def __init__(self) -> None:
        self.path = str(getattr(settings, "COMPTOIR_FRAUD_GEOIP_DATABASE", "") or "")
        self.reader = None
        if self.path and Path(self.path).is_file():
            try:
                import geoip2.database
            except ImportError:  # the package is a dependency; a stripped install may lack it
                return
            self.reader = geoip2.database.Reader(self.path)

    def locate(self, ip: str) -> Located:
        if self.reader is None:
            return Located(note=gettext_noop("no IP geolocation database is configured"))
        if not ipaddress.ip_address(ip).is_global:
            return Located(note=gettext_noop("a private or local IP address has no country"))
        import geoip2.errors

        try:
            found = self.reader.country(ip)
        except geoip2.errors.AddressNotFoundError:
            return Located(note=gettext_noop("the IP address is not in the geolocation database"))
        except (TypeError, ValueError):
            # A City or ASN file answers .country() with a TypeError: read it generically.
            record = self.reader._db_reader.get(ip) or {}  # noqa: SLF001
            code = str((record.get("country") or {}).get("iso_code") or "")
            if code:
                return Located(country=code.upper())
            return Located(note=gettext_noop("the IP address is not in the geolocation database"))
        code = found.country.iso_code or ""
        if not code:
            return Located(note=gettext_noop("the IP address is not in the geolocation database"))
        return Located(country=code.upper())


@cache
def resolver() -> CountryResolver:
    path = getattr(
        settings, "COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER", "comptoir.fraud.geoip.MaxMindResolver"
    )
    return import_string(path)()


def locate(ip: str | None) -> Located:
    if not ip:
        return Located(note=gettext_noop("the IP address is unknown"))
    return resolver().locate(ip)
