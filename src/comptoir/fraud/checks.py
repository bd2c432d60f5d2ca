"""System checks for the fraud settings, so a bad value fails at start-up rather than on
the first payment."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string


@register()
def check_fraud_settings(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    from comptoir.fraud.geoip import CountryResolver

    problems: list[Error | Warning] = []
    for proxy in getattr(settings, "COMPTOIR_TRUSTED_PROXIES", ()) or ():
        try:
            ipaddress.ip_network(str(proxy).strip(), strict=False)
        except ValueError:
            problems.append(
                Error(
                    f"COMPTOIR_TRUSTED_PROXIES: {proxy!r} is not an IP address or network",
                    id="fraud.E001",
                )
            )
    path = getattr(settings, "COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER", "")
    try:
        resolver = import_string(path)
    except ImportError:
        problems.append(
            Error(f"COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER: cannot import {path!r}", id="fraud.E002")
        )
    else:
        if not (isinstance(resolver, type) and issubclass(resolver, CountryResolver)):
            problems.append(
                Error(
                    "COMPTOIR_FRAUD_IP_COUNTRY_RESOLVER must name a subclass of "
                    "comptoir.fraud.geoip.CountryResolver",
                    id="fraud.E003",
                )
            )
    database = getattr(settings, "COMPTOIR_FRAUD_GEOIP_DATABASE", "")
    if database and not Path(database).is_file():
        problems.append(
            Warning(
                f"COMPTOIR_FRAUD_GEOIP_DATABASE: no file at {database}; IP countries are unknown",
                id="fraud.W001",
            )
        )
    return problems
