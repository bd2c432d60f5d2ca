"""Where paid orders go to be packed and shipped, and what became of each parcel.

A shop has routes (packed by the merchant, pushed to a warehouse, dropshipped by a
supplier); each product takes its own override, else its supplier's route, else the shop's
default route. A paid order becomes one shipment per route it touches.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.catalog.models import Product
from comptoir.core.models import TimeStampedModel
from comptoir.fulfillment.carriers import Carrier
from comptoir.fulfillment.states import ShipmentStatus
from comptoir.orders.models import Order, OrderLine
from comptoir.shops.models import Shop


class RouteKind(models.TextChoices):
    SELF_SHIP = "self_ship", _("Packed by the merchant")
    """Orders wait in packing batches; the merchant prints, packs and types the tracking."""
    THIRD_PARTY = "3pl", _("Logistics provider (3PL)")
    """Orders are pushed to an outsourced warehouse, which confirms with tracking."""
    DROPSHIP = "dropship", _("Dropshipped by the supplier")
    """A purchase order goes to the supplier, who ships from its own stock."""


class Transport(models.TextChoices):
    NONE = "none", _("None (packed here)")
    HTTP = "http", _("HTTP endpoint (signed JSON)")
    SFTP = "sftp", _("CSV file on SFTP")
    EMAIL = "email", _("Email")


class FulfillmentRoute(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="fulfillment_routes")
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=RouteKind.choices)
    transport = models.CharField(
        _("transport"), max_length=8, choices=Transport.choices, default=Transport.NONE
    )
    is_default = models.BooleanField(
        _("shop default"), default=False, help_text=_("Used for products without a route.")
    )
    active = models.BooleanField(_("active"), default=True)
    endpoint_url = models.URLField(_("endpoint URL"), blank=True)
    # Signs what we send and checks what the provider sends back (HMAC-SHA256).
    secret = models.CharField(_("shared secret"), max_length=200, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    sftp_host = models.CharField(_("SFTP host"), max_length=200, blank=True)
    sftp_port = models.PositiveIntegerField(_("SFTP port"), default=22)
    sftp_username = models.CharField(_("SFTP user"), max_length=120, blank=True)
    sftp_password = models.CharField(_("SFTP password"), max_length=200, blank=True)
    # Pinned, so a look-alike server cannot collect our customers' addresses.
    sftp_host_key = models.TextField(
        _("SFTP server's public key"),
        blank=True,
        help_text=_('One line as in known_hosts, without the host: "ssh-ed25519 AAAA..."'),
    )
    sftp_outbox = models.CharField(_("SFTP folder for orders"), max_length=200, default="in")
    sftp_inbox = models.CharField(_("SFTP folder for confirmations"), max_length=200, default="out")
    # The mailbox where the provider emails its confirmation and stock CSV files (read over
    # IMAP, whatever the route sends orders by). Only mail from imap_sender is applied.
    imap_host = models.CharField(_("IMAP host"), max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_ssl = models.BooleanField(_("IMAP over TLS"), default=True)
    imap_username = models.CharField(_("IMAP user"), max_length=120, blank=True)
    imap_password = models.CharField(_("IMAP password"), max_length=200, blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=200, default="INBOX")
    imap_sender = models.EmailField(
        _("expected sender"),
        blank=True,
        help_text=_("Confirmation emails from any other address are refused."),
    )
    batch_every_minutes = models.PositiveIntegerField(
        _("send every (minutes)"),
        default=0,
        help_text=_("0 sends each paid order at once; otherwise orders leave together."),
    )
    cutoff_time = models.TimeField(
        _("cut-off time"),
        null=True,
        blank=True,
        help_text=_("Orders waiting for a batch also leave at this time (the shop's time)."),
    )
    max_attempts = models.PositiveSmallIntegerField(_("attempts before asking you"), default=8)
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout (seconds)"), default=10)
    delivered_after_days = models.PositiveSmallIntegerField(
        _("delivered after (days)"),
        default=7,
        help_text=_("A shipped parcel counts as delivered after this many days without news."),
    )

    class Meta:
        verbose_name = _("fulfillment route")
        verbose_name_plural = _("fulfillment routes")
        ordering = ["shop", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop"], condition=Q(is_default=True), name="one_default_route_per_shop"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Without it every email would be refused: say so now, not in the inbox later.
        if self.imap_host and not self.imap_sender:
            raise ValidationError(
                {"imap_sender": _("Required to read confirmations from a mailbox.")}
            )


class Supplier(TimeStampedModel):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="suppliers")
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("email address"), blank=True)
    route = models.ForeignKey(
        FulfillmentRoute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="suppliers",
        verbose_name=_("route for its products"),
    )

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["shop", "name"]

    def __str__(self) -> str:
        return self.name


class ProductRoute(models.Model):
    """A product's own supplier and route, kept here so the catalog stays unaware of
    fulfillment. Both are optional: a supplier alone means "its route"."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, primary_key=True, related_name="fulfillment"
    )
    route = models.ForeignKey(
        FulfillmentRoute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("route"),
    )
    supplier = models.ForeignKey(
        Supplier,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("supplier"),
    )
    supplier_sku = models.CharField(_("supplier's reference"), max_length=64, blank=True)
    location = models.CharField(
        _("shelf location"), max_length=40, blank=True, help_text=_("Where you pick it: A-3-2")
    )

    class Meta:
        verbose_name = _("product route")
        verbose_name_plural = _("product routes")

    def __str__(self) -> str:
        return f"{self.product_id}"


class Shipment(models.Model):
    """What one route owes one order. Unique per (order, route), so splitting a paid order
    twice, or by two workers at once, gives the same shipments."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="shipments")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    route = models.ForeignKey(FulfillmentRoute, on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # When a worker may (re)send it. While a worker holds it, this is the end of its lease:
    # a worker killed mid-send leaves a shipment that becomes due again by itself.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_reference = models.CharField(_("provider's reference"), max_length=120, blank=True)
    carrier = models.CharField(_("carrier"), max_length=24, choices=Carrier.choices, blank=True)
    carrier_name = models.CharField(
        _("carrier as named by the provider"), max_length=80, blank=True
    )
    tracking_number = models.CharField(_("tracking number"), max_length=80, blank=True)
    tracking_url = models.URLField(_("tracking link"), max_length=400, blank=True)
    batch = models.ForeignKey(
        "PackingBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shipments",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order", "route"], name="one_shipment_per_route"),
            # One tracking number is one parcel: a provider confirming a second order with
            # the number of the first is a mistake to show the merchant, not to email.
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="tracking_number_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="shipment_due")]

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """Our id for the shipment, sent as the idempotency key: the same on every retry."""
        return f"SHP-{self.pk}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=400)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"


class ShipmentEvent(models.Model):
    """One row per thing that happened to a shipment: who, when, why."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.from_status}->{self.to_status} by {self.actor}"


class Channel(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    SFTP = "sftp", _("SFTP file")
    EMAIL = "email", _("Email")
    UPLOAD = "upload", _("Upload")
    LINK = "link", _("Signed link")


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DUPLICATE = "duplicate", _("Already received")
    REJECTED = "rejected", _("Rejected")


class ReceivedMessage(models.Model):
    """Every message a provider or supplier sent us, kept as received with what we made of
    it: a rejected confirmation is never lost, and an accepted one is applied once."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    route = models.ForeignKey(
        FulfillmentRoute,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="received_messages",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=20, default="confirmation")
    # The provider's message id, else a hash of the body: what makes a replay a duplicate.
    dedupe_key = models.CharField(max_length=200)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    error = models.TextField(_("why rejected"), blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    shipment = models.ForeignKey(
        Shipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "route", "dedupe_key"],
                condition=Q(outcome="accepted"),
                name="message_applied_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} {self.outcome}"


class PackingBatch(models.Model):
    """Self-shipped orders the merchant packs together: one pick list, one carrier file."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    route = models.ForeignKey(FulfillmentRoute, on_delete=models.PROTECT, related_name="batches")
    created_at = models.DateTimeField(auto_now_add=True)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("packing batch")
        verbose_name_plural = _("packing batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk}"
