"""The automatic answer: what the shop already knows about the shopper's own order, for
the question they asked. Plain text, shown on the page after the form and emailed."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from comptoir.fulfillment.carriers import tracking_url
from comptoir.orders.links import order_status_url
from comptoir.orders.models import Order
from comptoir.orders.states import OrderStatus
from comptoir.support.intents import Intent

NOT_LEFT = {OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.FULFILLING}
LEFT = {OrderStatus.SHIPPED, OrderStatus.DELIVERED}


def tracking_links(order: Order) -> list[str]:
    """One line per parcel that has a tracking number: carrier, number, link."""
    lines = []
    for shipment in order.shipments.exclude(tracking_number="").order_by("pk"):
        url = shipment.tracking_url or tracking_url(shipment.carrier, shipment.tracking_number)
        carrier = shipment.get_carrier_display() if shipment.carrier else shipment.carrier_name
        line = f"{carrier} {shipment.tracking_number}".strip()
        lines.append(f"{line}: {url}" if url else line)
    return lines


def first_tracking_url(order: Order | None) -> str:
    if order is None:
        return ""
    for shipment in order.shipments.exclude(tracking_number="").order_by("pk"):
        url = shipment.tracking_url or tracking_url(shipment.carrier, shipment.tracking_number)
        if url:
            return url
    return ""


def promise_line(order: Order) -> str:
    if order.promised_dispatch_on is None or order.status not in NOT_LEFT:
        return ""
    day = date_format(order.promised_dispatch_on, "l j F Y")
    if order.promised_dispatch_on < timezone.localdate():
        return _(
            "It was due to leave on %(date)s and is late: we are sorry. The shop has been told."
        ) % {"date": day}
    return _("Planned dispatch: %(date)s.") % {"date": day}


def status_lines(order: Order) -> list[str]:
    lines = [
        _("Your order %(number)s: %(status)s.")
        % {"number": order.reference, "status": order.get_status_display()}
    ]
    if promise := promise_line(order):
        lines.append(promise)
    tracking = tracking_links(order)
    if tracking:
        lines.append(_("Follow your parcel:"))
        lines.extend(f"- {line}" for line in tracking)
    return lines


def compose(intent: str, order: Order, *, name: str) -> str:
    """The answer to ``intent`` about ``order``, in the active language."""
    link = order_status_url(order)
    greeting = _("Hello %(name)s,") % {"name": name} if name else _("Hello,")
    lines = [greeting, ""]
    if intent in (Intent.ORDER_STATUS, Intent.DELAY):
        lines += status_lines(order)
        lines += ["", _("Your order page, always up to date: %(link)s") % {"link": link}]
    elif intent == Intent.RETURN:
        if order.status in LEFT:
            lines.append(
                _(
                    "You can request a return from your order page, item by item, with the "
                    "reason: %(link)s"
                )
                % {"link": link}
            )
        else:
            lines += [
                *status_lines(order),
                "",
                _(
                    "Your order has not reached you yet. If you no longer want it, you can "
                    "cancel it from your order page while it has not left: %(link)s"
                )
                % {"link": link},
            ]
    elif intent == Intent.INVOICE:
        if order.status == OrderStatus.PENDING_PAYMENT:
            lines.append(
                _("The invoice is issued once your payment is received. Your order page: %(link)s")
                % {"link": link}
            )
        else:
            lines.append(
                _("You can download your invoices from your order page: %(link)s") % {"link": link}
            )
    elif intent == Intent.CANCELLATION:
        if order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            lines.append(
                _("Your order %(number)s is already cancelled.") % {"number": order.reference}
            )
        elif order.status in LEFT:
            lines += [
                _("Your order %(number)s has already left, so it can no longer be cancelled.")
                % {"number": order.reference},
                _("Once it has arrived, you can request a return from your order page: %(link)s")
                % {"link": link},
            ]
        else:
            lines.append(
                _("Your order has not left yet: you can cancel it from your order page: %(link)s")
                % {"link": link}
            )
    return "\n".join(lines)
