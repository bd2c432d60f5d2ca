"""The basket: anonymous (kept in the session) or a signed-in customer's, merged at
sign-in. Prices are never stored here; they are read from the catalog every time."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.cart.models import MAX_QUANTITY, Cart, CartLine
from comptoir.catalog.models import Product, ProductStatus, ProductTranslation, Variant
from comptoir.core.exceptions import ComptoirError
from comptoir.core.rows import attach, columns, instance, instances, relate, remembered
from comptoir.shops.models import Shop


class CartError(ComptoirError):
    pass


def parse_quantity(raw: object) -> int:
    """A quantity typed or posted by a shopper: a whole number from 1 to MAX_QUANTITY."""
    text = str(raw).strip()
    # ASCII digits only, and few of them: "²" and "١" pass isdigit() but not int(), and
    # int() refuses strings of thousands of digits.
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise CartError(_("The quantity must be a whole number."))
    value = int(text)
    if not 1 <= value <= MAX_QUANTITY:
        raise CartError(_("The quantity must be between 1 and %(max)s.") % {"max": MAX_QUANTITY})
    return value


def purchasable_variant(shop: Shop, variant_id: object) -> Variant:
    """The shop's variant of an active product, with its product and the product's
    translations (the basket's message names it): one plain-SQL query (comptoir.core.rows),
    as every "add to basket" reads it."""
    try:
        pk = int(str(variant_id))
    except ValueError:
        raise CartError(_("This product does not exist.")) from None
    if not -(2**63) <= pk < 2**63:
        raise CartError(_("This product is no longer sold."))
    variant_select, variant_fields = columns(Variant, "v")
    product_select, product_fields = columns(Product, "p")
    names_select, names_fields = columns(ProductTranslation, "t", only=TRANSLATION_COLUMNS)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {variant_select}, {product_select}, {names_select} "  # noqa: S608
            f"FROM {quote(Variant._meta.db_table)} v "
            f"JOIN {quote(Product._meta.db_table)} p ON p.id = v.product_id "
            f"LEFT JOIN {quote(ProductTranslation._meta.db_table)} t ON t.product_id = p.id "
            "WHERE v.id = %s AND v.shop_id = %s AND p.status = %s ORDER BY t.id",
            [pk, shop.pk, ProductStatus.ACTIVE.value],
        )
        rows = cursor.fetchall()
    if not rows:
        raise CartError(_("This product is no longer sold."))
    parts = [(Variant, variant_fields), (Product, product_fields)]
    variant, product = instances(rows[0], parts)
    assert isinstance(variant, Variant) and isinstance(product, Product)
    relate(variant, "product", product)
    start = len(variant_fields) + len(product_fields)
    names = [instance(ProductTranslation, names_fields, row[start:]) for row in rows]
    attach(product, "translations", [name for name in names if name is not None])
    return variant


# What the basket's message reads of a product's translations (its name, in a language).
TRANSLATION_COLUMNS = ("product_id", "shop_id", "language", "name", "slug")


def check_stock(variant: Variant, quantity: int) -> None:
    if not variant.track_stock or variant.product.allow_backorder:
        return
    available = variant.available_quantity
    if available <= 0:
        raise CartError(_("%(sku)s is out of stock.") % {"sku": variant.sku})
    if quantity > available:
        raise CartError(_("Only %(n)s left of %(sku)s.") % {"n": available, "sku": variant.sku})


@transaction.atomic
def add(cart: Cart, variant: Variant, quantity: int) -> int:
    """Add ``quantity`` of ``variant``; the basket's item count after it."""
    if cart.order_id:
        raise CartError(_("This basket has already been ordered."))
    known = remembered(cart, "lines")
    if known is not None:  # a basket this request created, or read with its lines
        line = next((line for line in known if line.variant_id == variant.pk), None)
    else:
        line = CartLine.objects.filter(cart=cart, variant=variant).first()
    total = quantity + (line.quantity if line else 0)
    if total > MAX_QUANTITY:
        raise CartError(_("At most %(max)s of one item per order.") % {"max": MAX_QUANTITY})
    check_stock(variant, total)
    if line:
        line.quantity = total
        line.save(update_fields=["quantity"])
    else:
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
    # The lines this request held are no longer the basket's.
    getattr(cart, "_prefetched_objects_cache", {}).pop("lines", None)
    return _touch(cart)


@transaction.atomic
def set_quantity(cart: Cart, line_id: int, quantity: int) -> int:
    """Change a line; 0 removes it. The basket's item count after it."""
    line = CartLine.objects.select_related("variant__product").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise CartError(_("This line is no longer in your basket."))
    if quantity == 0:
        line.delete()
    else:
        check_stock(line.variant, quantity)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
    return _touch(cart)


@transaction.atomic
def merge(source: Cart, target: Cart) -> list[str]:
    """Fold the anonymous basket into the customer's at sign-in: quantities add up, capped
    at MAX_QUANTITY and at the stock left (never below what the customer's basket already
    held). Returns what the shopper is told of the quantities that could not be kept."""
    if source.pk == target.pk or source.order_id:
        return []
    notes = []
    for line in source.lines.select_related("variant__product"):
        existing = CartLine.objects.filter(cart=target, variant=line.variant).first()
        held = existing.quantity if existing else 0
        wanted = kept = min(MAX_QUANTITY, held + line.quantity)
        variant = line.variant
        try:
            check_stock(variant, wanted)
        except CartError as short:  # the stock left, never below what was held
            kept = max(held, min(wanted, max(variant.available_quantity, 0)))
            if kept < wanted:
                notes.append(str(short))
        if existing:
            existing.quantity = kept
            existing.save(update_fields=["quantity"])
        elif kept:
            CartLine.objects.create(cart=target, variant=variant, quantity=kept)
    source.delete()
    _touch(target)
    return notes


def _touch(cart: Cart) -> int:
    """A new version of the basket (an order placed from an older page is refused), read
    back by the same statement with the basket's item count, which the header shows."""
    now = timezone.now()
    lines = connection.ops.quote_name(CartLine._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cart_cart SET version = version + 1, updated_at = %s WHERE id = %s "
            f"RETURNING version, (SELECT COALESCE(SUM(quantity), 0) FROM {lines} "
            "WHERE cart_id = cart_cart.id)",
            [
                Cart._meta.get_field("updated_at").get_db_prep_value(now, connection),
                Cart._meta.pk.get_db_prep_value(cart.pk, connection),
            ],
        )
        cart.version, count = cursor.fetchone()
    cart.updated_at = now
    return int(count)
