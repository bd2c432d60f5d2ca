"""Files providers leave for us on their SFTP server: shipment confirmations and stock."""

from __future__ import annotations

import logging

from comptoir.fulfillment import confirmations, sftp, stock
from comptoir.fulfillment.models import Channel, FulfillmentRoute, Transport

log = logging.getLogger(__name__)


def pick_up_files(route: FulfillmentRoute) -> list[str]:
    """Apply every file waiting in the route's SFTP inbox, then archive them. A file named
    ``stock*.csv`` is a stock snapshot; any other CSV holds shipment confirmations."""
    files = sftp.fetch(route)
    for name, content in files:
        apply_file(route, name, content, channel=Channel.SFTP)
    names = [name for name, _content in files]
    sftp.archive(route, names)
    return names


def apply_file(route: FulfillmentRoute, name: str, content: bytes, *, channel: str) -> None:
    """One provider file, however it came (SFTP, email attachment): a file named
    ``stock*.csv`` is a stock snapshot; any other CSV holds shipment confirmations."""
    if name.lower().startswith("stock"):
        stock.import_stock_file(route, content, name=name, channel=channel)
    else:
        confirmations.receive_csv(route, content, channel=channel, name=name)


def pick_up_all() -> int:
    """Every SFTP route's inbox; a provider that cannot be reached is retried next period."""
    picked = 0
    for route in FulfillmentRoute.objects.filter(active=True, transport=Transport.SFTP):
        try:
            picked += len(pick_up_files(route))
        except Exception:  # one provider down must not stop the others
            log.exception("picking up files of route %s failed", route.pk)
    return picked
