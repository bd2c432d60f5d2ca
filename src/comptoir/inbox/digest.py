"""The daily digest: one email a day to the merchant, in the shop's language, saying
yesterday's orders and revenue, what the autopilot did, and what needs them.

Each part of the email is a *section*: a function ``(shop, window) -> Section | None``
listed in ``SECTIONS``. A domain adds its own (fulfillment: parcels dispatched) by
adding its function to the list; a section with nothing to say returns None.

:func:`send_due_digests` runs periodically. Once the shop's local clock has passed
``COMPTOIR_DIGEST_HOUR``, it claims the (shop, yesterday) row, which exists at most once,
and enqueues the sending in the same transaction; sending is retried with backoff.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from comptoir.core.money import Money
from comptoir.core.retry import Backoff, retrying
from comptoir.inbox.models import DigestRun, InboxItem, ItemKind, ItemStatus
from comptoir.promise.services import shop_time_zone
from comptoir.shops.models import Shop


@dataclass(frozen=True)
class Window:
    """One local day of the shop, as aware datetimes [start, end)."""

    day: date
    start: datetime
    end: datetime

    @classmethod
    def of(cls, day: date, time_zone: str) -> Window:
        zone = ZoneInfo(time_zone)  # checked by shop_time_zone
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        return cls(day=day, start=start, end=end)


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    link: str = ""  # an absolute URL to see more
    link_label: str = ""


def orders_section(shop: Shop, window: Window) -> Section | None:
    from comptoir.orders.models import Order
    from comptoir.orders.states import PAID_STATES

    placed = Order.objects.filter(
        shop=shop, created_at__gte=window.start, created_at__lt=window.end
    )
    paid = Order.objects.filter(
        shop=shop,
        paid_at__gte=window.start,
        paid_at__lt=window.end,
        status__in=[*PAID_STATES, "refunded"],
    )
    revenue = paid.values("currency").annotate(total=Sum("total"), n=Count("pk"))
    section = Section(title=_("Yesterday's orders"))
    n_placed = placed.count()
    section.lines.append(
        ngettext("%(n)s order placed", "%(n)s orders placed", n_placed) % {"n": n_placed}
    )
    if not revenue:
        section.lines.append(_("No payment received."))
    for row in revenue:
        section.lines.append(
            ngettext(
                "%(n)s order paid: %(amount)s",
                "%(n)s orders paid: %(amount)s",
                row["n"],
            )
            % {"n": row["n"], "amount": Money(row["total"] or Decimal(0), row["currency"])}
        )
    return section


def autopilot_section(shop: Shop, window: Window) -> Section | None:
    """What happened without the merchant: emails sent, orders shipped, unpaid orders
    cancelled, all counted from the rows each of those wrote."""
    from comptoir.fulfillment.models import ShipmentEvent, ShipmentStatus
    from comptoir.orders.models import OrderEvent, OrderNotification

    emails = OrderNotification.objects.filter(
        order__shop=shop, sent_at__gte=window.start, sent_at__lt=window.end
    ).count()
    events = OrderEvent.objects.filter(
        order__shop=shop, kind="status", created_at__gte=window.start, created_at__lt=window.end
    )
    shipped = events.filter(to_status="shipped").count()
    dispatched = ShipmentEvent.objects.filter(
        shipment__shop=shop,
        to_status=ShipmentStatus.DISPATCHED,
        created_at__gte=window.start,
        created_at__lt=window.end,
    ).count()
    auto_cancelled = events.filter(to_status="cancelled", actor="system").count()
    section = Section(title=_("What the autopilot did"))
    section.lines.append(
        ngettext("%(n)s email sent to customers", "%(n)s emails sent to customers", emails)
        % {"n": emails}
    )
    section.lines.append(
        ngettext(
            "%(n)s parcel handed to a warehouse or supplier",
            "%(n)s parcels handed to warehouses or suppliers",
            dispatched,
        )
        % {"n": dispatched}
    )
    section.lines.append(
        ngettext("%(n)s order shipped", "%(n)s orders shipped", shipped) % {"n": shipped}
    )
    if auto_cancelled:
        section.lines.append(
            ngettext(
                "%(n)s unpaid order cancelled",
                "%(n)s unpaid orders cancelled",
                auto_cancelled,
            )
            % {"n": auto_cancelled}
        )
    return section


def needs_you_section(shop: Shop, window: Window) -> Section | None:
    items = InboxItem.objects.filter(shop=shop, status=ItemStatus.OPEN).order_by(
        "kind", "-created_at"
    )
    count = items.count()
    section = Section(
        title=_("What needs you"),
        link=back_office_url(shop, reverse("admin:inbox_inboxitem_changelist")),
        link_label=_("Open the inbox"),
    )
    if not count:
        section.lines.append(_("Nothing. The shop ran itself."))
        return section
    for kind, n in (
        items.values_list("kind").annotate(n=Count("pk")).order_by("kind").values_list("kind", "n")
    ):
        label = ItemKind(kind).label if kind in ItemKind.values else kind
        section.lines.append(f"{label}: {n}")
    for item in items[:10]:
        section.lines.append(f"· {item.shown_title}")
    if count > 10:
        section.lines.append(_("and %(n)s more") % {"n": count - 10})
    return section


#: The digest's parts, in order. Append a domain's own section function here.
SECTIONS: list[Callable[[Shop, Window], Section | None]] = [
    orders_section,
    autopilot_section,
    needs_you_section,
]


def back_office_url(shop: Shop, path: str) -> str:
    base = f"https://{shop.domain}" if shop.domain else settings.COMPTOIR_BASE_URL.rstrip("/")
    return base + path


def merchant_emails(shop: Shop) -> list[str]:
    """The shop's contact address, or else every active staff member's."""
    if shop.contact_email:
        return [shop.contact_email]
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def digest_hour() -> int:
    return int(getattr(settings, "COMPTOIR_DIGEST_HOUR", 7))


def send_due_digests(*, now: datetime | None = None) -> int:
    """Claim and enqueue yesterday's digest of every shop whose local hour has come.
    Returns how many were claimed by this call."""
    now = now or timezone.now()
    claimed = 0
    for shop in Shop.objects.order_by("pk"):
        local = now.astimezone(ZoneInfo(shop_time_zone(shop)))
        if local.hour < digest_hour():
            continue
        day = local.date() - timedelta(days=1)
        recipients = merchant_emails(shop)
        if not recipients:
            continue  # nobody to tell; the next look will try again
        try:
            with transaction.atomic():
                run = DigestRun.objects.create(shop=shop, day=day, recipients=recipients)
                send_digest.enqueue(run.pk)
        except IntegrityError:
            continue
        claimed += 1
    return claimed


def render_digest(run: DigestRun) -> EmailMultiAlternatives:
    shop = run.shop
    window = Window.of(run.day, shop_time_zone(shop))
    with translation.override(shop.default_language):
        sections = [s for s in (section(shop, window) for section in SECTIONS) if s is not None]
        context = {
            "shop": shop,
            "day": date_format(run.day, "l j F Y"),
            "sections": sections,
            "language": shop.default_language,
        }
        subject = _("%(shop)s — your day of %(day)s") % {
            "shop": shop.name,
            "day": date_format(run.day, "l j F"),
        }
        text = render_to_string("inbox/emails/digest.txt", context)
        html = render_to_string("inbox/emails/digest.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(run.recipients),
        headers={"X-Comptoir-Kind": "digest", "Message-ID": f"<digest.{run.pk}@comptoir>"},
    )
    message.attach_alternative(html, "text/html")
    return message


@task()
@retrying(
    retry_on=(smtplib.SMTPException, OSError),
    attempts=5,
    backoff=Backoff(base=timedelta(minutes=1), cap=timedelta(minutes=30)),
    lost_after=timedelta(minutes=30),
)
def send_digest(run_id: int) -> bool:
    with transaction.atomic():
        run = DigestRun.objects.select_for_update().select_related("shop").filter(pk=run_id).first()
        if run is None or run.sent_at is not None:
            return False
        run.attempts += 1
        run.save(update_fields=["attempts"])
    try:
        render_digest(run).send()
    except Exception as error:
        DigestRun.objects.filter(pk=run_id).update(last_error=str(error)[:2000])
        raise
    DigestRun.objects.filter(pk=run_id).update(sent_at=timezone.now(), last_error="")
    return True
