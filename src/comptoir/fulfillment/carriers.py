"""Carriers the providers ship with, and where a customer follows a parcel.

A provider names the carrier in its own words ("La Poste", "colissimo", "MONDIAL_RELAY");
:func:`normalise` maps those to our codes, and an unknown name is kept as written with no
tracking link rather than refused: the parcel left all the same.
"""

from __future__ import annotations

from urllib.parse import quote

from django.db import models
from django.utils.translation import gettext_lazy as _


class Carrier(models.TextChoices):
    COLISSIMO = "colissimo", "Colissimo / La Poste"
    MONDIAL_RELAY = "mondial_relay", "Mondial Relay"
    CHRONOPOST = "chronopost", "Chronopost"
    DHL = "dhl", "DHL"
    UPS = "ups", "UPS"
    GLS = "gls", "GLS"
    DPD = "dpd", "DPD"
    OTHER = "other", _("Other carrier")


TRACKING_URLS: dict[str, str] = {
    Carrier.COLISSIMO: "https://www.laposte.fr/outils/suivre-vos-envois?code={number}",
    Carrier.MONDIAL_RELAY: "https://www.mondialrelay.fr/suivi-de-colis/?NumeroExpedition={number}",
    Carrier.CHRONOPOST: "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={number}",
    Carrier.DHL: "https://www.dhl.com/fr-fr/home/tracking.html?tracking-id={number}",
    Carrier.UPS: "https://www.ups.com/track?loc=fr_FR&tracknum={number}",
    Carrier.GLS: "https://gls-group.com/FR/fr/suivi-colis?match={number}",
    Carrier.DPD: "https://trace.dpd.fr/fr/trace/{number}",
}

ALIASES = {
    "laposte": Carrier.COLISSIMO,
    "la_poste": Carrier.COLISSIMO,
    "colissimo": Carrier.COLISSIMO,
    "mondialrelay": Carrier.MONDIAL_RELAY,
    "mondial_relay": Carrier.MONDIAL_RELAY,
    "chronopost": Carrier.CHRONOPOST,
    "dhl": Carrier.DHL,
    "ups": Carrier.UPS,
    "gls": Carrier.GLS,
    "dpd": Carrier.DPD,
}


def normalise(name: str) -> str:
    key = "_".join(name.strip().lower().replace("-", " ").split())
    return ALIASES.get(key) or ALIASES.get(key.replace("_", "")) or Carrier.OTHER


def tracking_url(carrier: str, number: str) -> str:
    template = TRACKING_URLS.get(carrier)
    return template.format(number=quote(number, safe="")) if template and number else ""
