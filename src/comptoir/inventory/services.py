"""Stock that is never oversold.

Stock on hand and stock reserved live on the variant row. A reservation is one
conditional UPDATE — "add q to reserved if on hand minus reserved is at least q" — so two
buyers of the last unit cannot both succeed, on PostgreSQL (the row lock the UPDATE takes)
as on SQLite (IMMEDIATE transactions). Variants are always touched in primary-key order,
so two orders sharing variants cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.catalog.models import Product, Variant
from comptoir.catalog.services import refresh_product_listing
from comptoir.core import rows
from comptoir.inventory.exceptions import OutOfStock
from comptoir.inventory.models import Reservation, ReservationState, StockMovement
from comptoir.orders.models import Order
from comptoir.shops.models import Shop
from comptoir.shops.services import bump_catalog_version


@dataclass(frozen=True)
class StockRequest:
    variant_id: int
    quantity: int


def reserve(order: Order, requests: Iterable[StockRequest]) -> bool:
    """Reserve every line of ``order`` or none (the caller's transaction rolls back).
    Returns whether a line was reserved beyond the shelf (a back-order), as the locked
    stock said.

    One statement per variant in the common case: the conditional UPDATE says the
    quantities it left (RETURNING), which is all the storefront refresh needs; the
    variant is read only when it does not track its stock or is short of it.
    """
    connection = transaction.get_connection()
    assert connection.in_atomic_block, "reserve() needs a transaction"
    merged: dict[int, int] = {}
    for request in requests:
        merged[request.variant_id] = merged.get(request.variant_id, 0) + request.quantity
    variants = connection.ops.quote_name(Variant._meta.db_table)
    products = connection.ops.quote_name(Product._meta.db_table)
    sql = (
        f"UPDATE {variants} SET reserved_quantity = reserved_quantity + %s "  # noqa: S608
        f"WHERE id = %s AND track_stock AND (stock_quantity >= reserved_quantity + %s "
        f"OR EXISTS (SELECT 1 FROM {products} WHERE {products}.id = {variants}.product_id "
        f"AND {products}.allow_backorder)) "
        f"RETURNING product_id, stock_quantity, reserved_quantity"
    )
    reservations, changes, beyond = [], [], False
    with connection.cursor() as cursor:
        for variant_id in sorted(merged):  # primary-key order: no deadlock between orders
            quantity = merged[variant_id]
            cursor.execute(sql, [quantity, variant_id, quantity])
            row = cursor.fetchone()
            held = row is not None
            if row is None:
                variant = Variant.objects.get(pk=variant_id)
                if variant.track_stock:
                    available = max(0, variant.available_quantity)
                    raise OutOfStock(
                        _("Only %(n)s left of %(sku)s.") % {"n": available, "sku": variant.sku}
                        if available
                        else _("%(sku)s is no longer available.") % {"sku": variant.sku},
                        sku=variant.sku,
                        available=available,
                    )
            else:
                product_id, on_hand, reserved = row
                beyond = beyond or reserved > on_hand
                changes.append((product_id, on_hand - reserved + quantity, on_hand - reserved))
            reservations.append(
                Reservation(variant_id=variant_id, order=order, quantity=quantity, held=held)
            )
    rows.insert(reservations)  # plain SQL: one of every order's statements
    _refresh_where_visible(order.shop, changes)
    return beyond


def commit(order: Order) -> None:
    """The order is paid: its reservations leave the stock on hand. Idempotent.

    The reservations are ended by one statement that says what they were (UPDATE ...
    RETURNING: no read first), the variants then changed in primary-key order, and the
    movements written with them (on PostgreSQL, each variant's in the same statement).
    On hand and reserved fall by the same amount: what is for sale does not change, and
    neither does any page."""
    committed = sorted(_end_reservations(order, ReservationState.COMMITTED))
    if not committed:
        return
    # Plain SQL (every paid order runs these): the ORM spent more building them than the
    # database running them.
    connection = transaction.get_connection()
    q = connection.ops.quote_name
    sold = (
        f"UPDATE {q(Variant._meta.db_table)} SET "  # noqa: S608
        f"{q('stock_quantity')} = {q('stock_quantity')} - %s, "
        f"{q('reserved_quantity')} = {q('reserved_quantity')} - %s "
        f"WHERE {q(Variant._meta.pk.column)} = %s"
    )
    if connection.vendor == "postgresql":
        # Each variant and its movement in one statement, still in primary-key order.
        movement = StockMovement._meta
        sold = (
            f"WITH sold AS ({sold} RETURNING {q(Variant._meta.pk.column)} AS variant_id) "
            f"INSERT INTO {q(movement.db_table)} ({q('variant_id')}, {q('delta')}, "
            f"{q('reason')}, {q('order_id')}, {q('note')}, {q('created_at')}) "
            "SELECT variant_id, %s, %s, %s, '', %s FROM sold"
        )
        now = timezone.now()
        with connection.cursor() as cursor:
            for variant_id, quantity, held in committed:
                cursor.execute(
                    sold,
                    [quantity, quantity if held else 0, variant_id]
                    + [-quantity, "sold", order.pk, now],
                )
        return
    with connection.cursor() as cursor:
        for variant_id, quantity, held in committed:
            cursor.execute(sold, [quantity, quantity if held else 0, variant_id])
    rows.insert(
        [
            StockMovement(variant_id=variant_id, delta=-quantity, reason="sold", order=order)
            for variant_id, quantity, _held in committed
        ]
    )


def release(order: Order) -> None:
    """The unpaid order is cancelled or expired: its reservations end. Idempotent."""
    changed: dict[int, int] = {}
    for reservation in _locked_reservations(order):
        if reservation.held:
            Variant.objects.filter(pk=reservation.variant_id).update(
                reserved_quantity=F("reserved_quantity") - reservation.quantity
            )
        reservation.state = ReservationState.RELEASED
        reservation.save(update_fields=["state"])
        if reservation.held:
            changed[reservation.variant_id] = reservation.quantity
    _after_stock_change(changed)


def put_back(order: Order, variant_id: int, quantity: int, *, reason: str) -> None:
    """Sold units come back (cancellation after payment, refund with return)."""
    Variant.objects.filter(pk=variant_id).update(stock_quantity=F("stock_quantity") + quantity)
    StockMovement.objects.create(variant_id=variant_id, delta=quantity, reason=reason, order=order)
    _after_stock_change({variant_id: quantity})


def adjust(variant: Variant, *, delta: int, reason: str, note: str = "") -> None:
    """A manual correction by the merchant or a stock file."""
    Variant.objects.filter(pk=variant.pk).update(stock_quantity=F("stock_quantity") + delta)
    StockMovement.objects.create(variant=variant, delta=delta, reason=reason, note=note)
    _after_stock_change({variant.pk: delta})


def _end_reservations(order: Order, state: str) -> list[tuple[int, int, bool]]:
    """Move the order's active reservations to ``state``; (variant id, quantity, held) of
    each. The UPDATE takes their row locks as the read of ``_locked_reservations`` did."""
    connection = transaction.get_connection()
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(Reservation._meta.db_table)} SET {q('state')} = %s "  # noqa: S608
            f"WHERE {q('order_id')} = %s AND {q('state')} = %s "
            f"RETURNING {q('variant_id')}, {q('quantity')}, {q('held')}",
            [state, order.pk, ReservationState.ACTIVE],
        )
        return [(int(v), int(n), bool(h)) for v, n, h in cursor.fetchall()]


def _locked_reservations(order: Order) -> list[Reservation]:
    return list(
        Reservation.objects.select_for_update()
        .filter(order=order, state=ReservationState.ACTIVE)
        .order_by("variant_id")
    )


def _after_stock_change(available_deltas: dict[int, int]) -> None:
    """Refresh what the storefront shows, only where a shopper could see a difference.

    ``available_deltas`` maps variant ids to the change of their quantity for sale. Above
    the shop's low-stock threshold a page says "in stock" whatever the number, so most
    sales touch no page: the product's listing flags and the shop's page cache (its
    catalog version) are refreshed only when the quantity for sale was or is at or below
    the threshold — the "only 3 left", "out of stock" and "back in stock" moments.
    """
    changed = {pk: delta for pk, delta in available_deltas.items() if delta}
    if not changed:
        return
    found = Variant.objects.filter(pk__in=list(changed), track_stock=True).values_list(
        "pk",
        "product_id",
        "stock_quantity",
        "reserved_quantity",
        "product__shop_id",
        "product__shop__low_stock_threshold",
    )
    product_ids: set[int] = set()
    shop_ids: set[int] = set()
    for pk, product_id, on_hand, reserved, shop_id, threshold in found:
        after = on_hand - reserved
        before = after - changed[pk]
        if min(before, after) <= threshold:
            product_ids.add(product_id)
            shop_ids.add(shop_id)
    _refresh(product_ids, shop_ids)


def _refresh_where_visible(shop: Shop, changes: list[tuple[int, int, int]]) -> None:
    """:func:`_after_stock_change` for changes whose quantities the caller already has:
    ``(product_id, for sale before, for sale after)`` of ``shop``'s variants."""
    threshold = shop.low_stock_threshold
    product_ids = {p for p, before, after in changes if min(before, after) <= threshold}
    _refresh(product_ids, {shop.pk} if product_ids else set())


def _refresh(product_ids: set[int], shop_ids: set[int]) -> None:
    if not product_ids and not shop_ids:
        return  # the common case: not even a query to build
    for product in Product.objects.filter(pk__in=product_ids).order_by("pk"):
        refresh_product_listing(product)
    for shop_id in sorted(shop_ids):
        bump_catalog_version(shop_id)
