"""Files sold as digital goods: grants written when the order is paid, and the download
itself, counted with one conditional UPDATE so concurrent clicks never pass the limit.

A download link is ``/downloads/<signed token>/``: the grant's random token (32 bytes)
signed with Django's ``signing`` and a salt of its own. The signature refuses forged or
mistyped links without a database query; the random token is what makes a link
unguessable even to someone who has another customer's link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from comptoir.core.rows import attach, remembered
from comptoir.downloads.models import DigitalFile, DownloadGrant
from comptoir.orders.links import shop_base_url
from comptoir.orders.models import Order
from comptoir.orders.selectors import order_lines
from comptoir.orders.states import PAID_STATES

SALT = "comptoir.download"
DEFAULT_DOWNLOAD_DAYS = 30


def download_days() -> int:
    return int(getattr(settings, "COMPTOIR_DOWNLOAD_DAYS", DEFAULT_DOWNLOAD_DAYS))


def grant_downloads(order: Order) -> list[DownloadGrant]:
    """Give each line of the paid ``order`` its files. Idempotent: a replayed payment finds
    the grants already there (one per line and file, a unique constraint holds it)."""
    assert transaction.get_connection().in_atomic_block, "grant_downloads() needs a transaction"
    expires_at = timezone.now() + timedelta(days=download_days())
    grants: list[DownloadGrant] = []
    lines = [line for line in order_lines(order) if line.variant is not None]
    if not lines:
        return grants
    # The files of every line's product in one query (none, for most orders).
    products = {line.variant.product_id for line in lines}
    files = list(DigitalFile.objects.filter(product_id__in=products).order_by("pk"))
    for line in lines:
        granted = []
        for file in files:
            if file.product_id != line.variant.product_id or file.variant_id not in (
                None,
                line.variant_id,
            ):
                continue
            grant, _created = DownloadGrant.objects.get_or_create(
                line=line, file=file, defaults={"expires_at": expires_at}
            )
            granted.append(grant)
        # All of the line's grants: the order page, next in the same request, lists them.
        attach(line, "download_grants", granted)
        grants += granted
    return grants


def grants_for(order: Order) -> list[DownloadGrant]:
    """The grants a customer may see: only while the order counts as paid."""
    if order.status not in PAID_STATES:
        return []
    lines = remembered(order, "lines")
    held = [remembered(line, "download_grants") for line in lines or []]
    if lines is not None and all(grants is not None for grants in held):
        # Granted by the payment this request confirmed: as written, no query.
        known = [grant for grants in held for grant in grants or []]
        return sorted(known, key=lambda grant: (grant.line_id, grant.file.name, grant.pk))
    return list(
        DownloadGrant.objects.filter(line__order=order)
        .select_related("file", "line")
        .order_by("line_id", "file__name", "pk")
    )


def download_token(grant: DownloadGrant) -> str:
    return signing.dumps(grant.token, salt=SALT, compress=False)


def download_path(grant: DownloadGrant) -> str:
    return reverse("downloads:download", kwargs={"token": download_token(grant)})


def download_url(grant: DownloadGrant) -> str:
    return shop_base_url(grant.line.order) + download_path(grant)


# Why a link gives no file, and the HTTP status it answers with: unknown, forged or unpaid
# links are "not found"; a link that worked once but is used up or out of date is "gone".
STATUS = {"not_found": 404, "expired": 410, "exhausted": 410}


@dataclass(frozen=True)
class Outcome:
    grant: DownloadGrant | None = None
    refusal: str = ""

    @property
    def status(self) -> int:
        return STATUS[self.refusal] if self.refusal else 200


def find_grant(signed_token: str) -> DownloadGrant | None:
    try:
        token = signing.loads(signed_token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(token, str):
        return None
    return (
        DownloadGrant.objects.select_related("file", "line__order__shop")
        .filter(token=token)
        .first()
    )


def use_download(signed_token: str, *, shop_id: int | None = None) -> Outcome:
    """Count one download of the link's file, or say why not."""
    grant = find_grant(signed_token)
    if grant is None:
        return Outcome(refusal="not_found")
    order = grant.line.order
    if order.status not in PAID_STATES or (shop_id is not None and order.shop_id != shop_id):
        return Outcome(refusal="not_found")
    stored = grant.file.file
    if not stored.name or not stored.storage.exists(stored.name):
        return Outcome(refusal="not_found")
    now = timezone.now()
    if grant.expires_at <= now:
        return Outcome(grant=grant, refusal="expired")
    # The condition and the increment are one statement: two clicks on the last download
    # cannot both pass (PostgreSQL's row lock, SQLite's single writer).
    counted = DownloadGrant.objects.filter(
        pk=grant.pk, downloads__lt=F("max_downloads"), expires_at__gt=now
    ).update(downloads=F("downloads") + 1, last_downloaded_at=now)
    if counted != 1:
        return Outcome(grant=grant, refusal="exhausted")
    grant.refresh_from_db(fields=["downloads", "last_downloaded_at"])
    return Outcome(grant=grant)
