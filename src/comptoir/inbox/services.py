"""Raise and close the things that need the merchant.

Domains call ``open_item`` when something needs a human and ``close_item`` when the cause is
gone (a retried dispatch went through, the overdue payment arrived): the item closes itself
and the merchant never sees a stale one.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from comptoir.inbox.models import InboxItem, ItemStatus
from comptoir.inbox.texts import freeze, render
from comptoir.shops.models import Shop


def open_item(
    shop: Shop,
    *,
    kind: str,
    key: str,
    title: str,
    title_params: dict[str, Any] | None = None,
    detail: str = "",
    detail_params: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    order: Any = None,
) -> InboxItem:
    """Open an item for this cause, or refresh the one already open. Safe to call again and
    concurrently: there is never more than one open item per (shop, kind, key).

    ``title`` and ``detail`` are msgids (``gettext_noop``) with their ``%(name)s``
    parameters in ``title_params`` and ``detail_params``: each merchant reads them in their
    own language (inbox/texts.py). A translatable detail without parameters goes with
    ``detail_params={}``; one that is not ours to translate (a provider's error) goes with
    ``detail_params=None`` and is shown as it is."""
    texts = {"title": freeze(title, title_params)}
    if detail and detail_params is not None:
        texts["detail"] = freeze(detail, detail_params)
    fields = {
        "title": render(texts["title"])[:250],
        "detail": render(texts["detail"]) if "detail" in texts else detail,
        "texts": texts,
        "context": context or {},
        "order": order,
    }
    for _attempt in range(3):
        updated = InboxItem.objects.filter(
            shop=shop, kind=kind, key=key, status=ItemStatus.OPEN
        ).update(raised_count=F("raised_count") + 1, updated_at=timezone.now(), **fields)
        if updated:
            return InboxItem.objects.get(shop=shop, kind=kind, key=key, status=ItemStatus.OPEN)
        try:
            with transaction.atomic():
                return InboxItem.objects.create(shop=shop, kind=kind, key=key, **fields)
        except IntegrityError:
            continue  # another process opened it first; refresh that one
    raise RuntimeError(f"could not open inbox item {kind}/{key}")


def close_item(shop: Shop, *, kind: str, key: str, reason: str) -> bool:
    """Close the open item for this cause, if any. Returns whether one was closed."""
    return bool(
        InboxItem.objects.filter(shop=shop, kind=kind, key=key, status=ItemStatus.OPEN).update(
            status=ItemStatus.CLOSED,
            closed_at=timezone.now(),
            closed_reason=reason[:250],
            updated_at=timezone.now(),
        )
    )


def open_items(shop: Shop):
    return InboxItem.objects.filter(shop=shop, status=ItemStatus.OPEN).select_related("order")


HANDLED = "handled"


def act_on_item(item_id: int, *, action: str, actor: str) -> str:
    """Run one of the item's actions for the merchant (or "handled": close it by hand).
    Returns the message to show; raises ComptoirError with a message to show if refused."""
    from django.utils.translation import gettext as _

    from comptoir.core.exceptions import ComptoirError
    from comptoir.inbox.actions import actions_for
    from comptoir.inbox.causes import close_if_resolved

    item = InboxItem.objects.select_related("shop", "order").filter(pk=item_id).first()
    if item is None:
        raise ComptoirError(_("This item no longer exists."))
    if item.status != ItemStatus.OPEN:
        raise ComptoirError(_("This item is already closed."))
    if action == HANDLED:
        close_item(
            item.shop, kind=item.kind, key=item.key, reason=_("Handled by %(who)s") % {"who": actor}
        )
        return _("Marked as handled.")
    chosen = next((a for a in actions_for(item) if a.code == action), None)
    if chosen is None:
        raise ComptoirError(_("This action is not offered for this item."))
    message = chosen.run(item, actor)
    if item.order_id:
        item.order.refresh_from_db()
    close_if_resolved(item)
    return message


def open_counts(shop: Shop | int | str | None = None) -> dict[str, int]:
    """Open items per kind (of one shop, or of all), for the screen's filters."""
    from django.db.models import Count

    items = InboxItem.objects.filter(status=ItemStatus.OPEN)
    if shop is not None:
        items = items.filter(shop=shop)
    return dict(items.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
