"""Discount codes, counted exactly: the use is claimed with a conditional UPDATE in the
order's own transaction, so a code limited to 5 uses gives 5 however many checkouts race."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.core.exceptions import ComptoirError
from comptoir.core.money import quantize
from comptoir.discounts.models import DiscountCode, DiscountKind, DiscountUsage
from comptoir.orders.models import Order
from comptoir.shops.models import Shop


class DiscountRefused(ComptoirError):
    pass


@dataclass(frozen=True)
class DiscountEffect:
    code: DiscountCode
    goods_discount: Decimal
    free_shipping: bool


def find_code(
    shop: Shop, raw: str, *, goods_amount: Decimal, email: str = "", now: datetime | None = None
) -> DiscountEffect:
    """Check a code typed by the shopper; say plainly why it does not apply."""
    now = now or timezone.now()
    text = (raw or "").strip()
    code = DiscountCode.objects.filter(shop=shop, code__iexact=text, is_active=True).first()
    if code is None:
        raise DiscountRefused(_("The code %(code)s does not exist.") % {"code": text[:60]})
    if code.starts_at and now < code.starts_at:
        raise DiscountRefused(_("The code %(code)s is not valid yet.") % {"code": code.code})
    if code.ends_at and now >= code.ends_at:
        raise DiscountRefused(_("The code %(code)s has expired.") % {"code": code.code})
    if code.minimum_basket is not None and goods_amount < code.minimum_basket:
        raise DiscountRefused(
            _("The code %(code)s needs a basket of at least %(amount)s.")
            % {"code": code.code, "amount": code.minimum_basket}
        )
    if code.usage_limit is not None and code.times_used >= code.usage_limit:
        raise DiscountRefused(_("The code %(code)s has been used up.") % {"code": code.code})
    if email and code.per_customer_limit is not None:
        used = DiscountUsage.objects.filter(code=code, email__iexact=email).count()
        if used >= code.per_customer_limit:
            raise DiscountRefused(
                _("You have already used the code %(code)s.") % {"code": code.code}
            )
    return DiscountEffect(
        code,
        goods_discount(code, goods_amount, shop.currency),
        code.kind == DiscountKind.FREE_SHIPPING,
    )


def goods_discount(code: DiscountCode, goods_amount: Decimal, currency: str) -> Decimal:
    if code.kind == DiscountKind.PERCENTAGE:
        return min(goods_amount, quantize(goods_amount * code.value / 100, currency))
    if code.kind == DiscountKind.FIXED:
        return min(goods_amount, quantize(code.value, currency))
    return Decimal(0)


def claim_usage(code: DiscountCode, order: Order) -> None:
    """Count one use for ``order``, in its transaction; refuse past either limit."""
    claimed = DiscountCode.objects.filter(
        Q(pk=code.pk) & (Q(usage_limit__isnull=True) | Q(times_used__lt=F("usage_limit")))
    ).update(times_used=F("times_used") + 1)
    if claimed != 1:
        raise DiscountRefused(_("The code %(code)s has been used up.") % {"code": code.code})
    # The UPDATE above holds the code's row lock until commit: counting this customer's
    # uses now cannot race another checkout of the same code.
    if code.per_customer_limit is not None:
        used = DiscountUsage.objects.filter(code=code, email__iexact=order.email).count()
        if used >= code.per_customer_limit:
            raise DiscountRefused(
                _("You have already used the code %(code)s.") % {"code": code.code}
            )
    DiscountUsage.objects.create(code=code, order=order, email=order.email.lower())


def release_usage(order: Order) -> None:
    usage = DiscountUsage.objects.filter(order=order).first()
    if usage is None:
        return
    DiscountCode.objects.filter(pk=usage.code_id, times_used__gt=0).update(
        times_used=F("times_used") - 1
    )
    usage.delete()
