"""Messages coming back from warehouses and suppliers: "shipped with this tracking number",
"delivered". By signed webhook, or rows of a CSV file (SFTP pick-up or upload).

Every message is kept in ``ReceivedMessage`` with what we made of it. An accepted message
is applied once: its id (the provider's ``message_id``, else a hash of its content) is
unique among accepted messages, so a replay is answered "already received" and changes
nothing. A rejected one (bad signature, unknown shipment, tracking number of another
parcel) is kept as received and, when the merchant can act on it, raises an inbox item.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from comptoir.fulfillment import services
from comptoir.fulfillment.models import (
    Channel,
    FulfillmentRoute,
    Outcome,
    ReceivedMessage,
    Shipment,
)
from comptoir.fulfillment.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, BadSignature, verify
from comptoir.inbox.models import ItemKind
from comptoir.inbox.services import open_item

log = logging.getLogger(__name__)


class Rejected(Exception):
    def __init__(self, message: str, *, status: int = 422, inbox: bool = True) -> None:
        super().__init__(message)
        self.status, self.inbox = status, inbox


@dataclass
class Answer:
    status: int
    outcome: str
    detail: str
    message_id: int


def receive_webhook(route_id: int, *, headers: dict[str, str], body: bytes) -> Answer:
    """A provider's signed POST. Never raises: the answer says what happened."""
    route = FulfillmentRoute.objects.select_related("shop").filter(pk=route_id).first()
    if route is None:
        return Answer(404, Outcome.REJECTED, "unknown route", 0)
    kept = {k: v for k, v in headers.items() if k.lower().startswith(("x-comptoir", "content"))}
    text = body.decode("utf-8", "replace")
    try:
        verify(
            route.secret,
            timestamp=headers.get(TIMESTAMP_HEADER, ""),
            signature=headers.get(SIGNATURE_HEADER, ""),
            body=body,
        )
    except BadSignature as error:
        message = log_rejected(
            route,
            Channel.WEBHOOK,
            dedupe_key=digest(body),
            error=str(error),
            headers=kept,
            body=text,
        )
        # One item per route, refreshed: a wrong secret is one problem, however many calls.
        open_item(
            route.shop,
            kind=ItemKind.MESSAGE_REJECTED,
            key=f"signature:{route.pk}",
            title=gettext_noop("Messages from %(route)s have a bad signature"),
            title_params={"route": route.name},
            detail=gettext_noop("Check the shared secret on both sides. Last reason: %(reason)s"),
            detail_params={"reason": str(error)},
            context={"route": route.pk, "message": message.pk},
        )
        return Answer(401, Outcome.REJECTED, str(error), message.pk)
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
    except ValueError as error:
        message = log_rejected(
            route,
            Channel.WEBHOOK,
            dedupe_key=digest(body),
            error=f"invalid JSON: {error}",
            headers=kept,
            body=text,
        )
        return Answer(400, Outcome.REJECTED, f"invalid JSON: {error}", message.pk)
    return apply(route, data, channel=Channel.WEBHOOK, headers=kept, body=text)


def digest(body: bytes | str) -> str:
    raw = body if isinstance(body, bytes) else body.encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def apply(
    route: FulfillmentRoute,
    data: dict[str, Any],
    *,
    channel: str,
    headers: dict[str, str] | None = None,
    body: str = "",
) -> Answer:
    """Apply one confirmation to its shipment, once."""
    body = body or json.dumps(data, sort_keys=True)
    dedupe_key = str(data.get("message_id") or digest(body))[:200]
    if already_applied(route, dedupe_key):
        return log_duplicate(route, channel, dedupe_key, headers, body)
    try:
        with transaction.atomic():
            if data.get("type") == "return":
                shipment = apply_return(route, data)
            else:
                shipment = find_shipment(route, data)
                apply_to(shipment, data, route=route)
            message = ReceivedMessage.objects.create(
                shop=route.shop,
                route=route,
                channel=channel,
                kind="return" if data.get("type") == "return" else "confirmation",
                dedupe_key=dedupe_key,
                outcome=Outcome.ACCEPTED,
                headers=headers or {},
                body=body,
                shipment=shipment,
            )
    except Rejected as error:
        message = log_rejected(
            route, channel, dedupe_key=dedupe_key, error=str(error), headers=headers, body=body
        )
        if error.inbox:
            open_item(
                route.shop,
                kind=ItemKind.MESSAGE_REJECTED,
                key=f"message:{route.pk}:{dedupe_key[:120]}",
                title=gettext_noop("A message from %(route)s was rejected"),
                title_params={"route": route.name},
                detail=str(error),
                context={"route": route.pk, "message": message.pk, "body": body[:2000]},
            )
        return Answer(error.status, Outcome.REJECTED, str(error), message.pk)
    except IntegrityError:
        # The same message applied by a concurrent request, or the tracking number taken by
        # a concurrent confirmation of another parcel.
        if already_applied(route, dedupe_key):
            return log_duplicate(route, channel, dedupe_key, headers, body)
        error = _("tracking_number: already used by another shipment")
        message = log_rejected(
            route, channel, dedupe_key=dedupe_key, error=error, headers=headers, body=body
        )
        return Answer(409, Outcome.REJECTED, error, message.pk)
    return Answer(200, Outcome.ACCEPTED, "applied", message.pk)


def already_applied(route: FulfillmentRoute, dedupe_key: str) -> bool:
    return ReceivedMessage.objects.filter(
        shop=route.shop, route=route, dedupe_key=dedupe_key, outcome=Outcome.ACCEPTED
    ).exists()


def log_duplicate(route, channel, dedupe_key, headers, body) -> Answer:
    message = ReceivedMessage.objects.create(
        shop=route.shop,
        route=route,
        channel=channel,
        dedupe_key=dedupe_key,
        outcome=Outcome.DUPLICATE,
        headers=headers or {},
        body=body,
    )
    return Answer(200, Outcome.DUPLICATE, "already received", message.pk)


def log_rejected(route, channel, *, dedupe_key, error, headers=None, body="") -> ReceivedMessage:
    log.warning("message from route %s rejected: %s", route.pk, error)
    return ReceivedMessage.objects.create(
        shop=route.shop,
        route=route,
        channel=channel,
        dedupe_key=dedupe_key,
        outcome=Outcome.REJECTED,
        error=error,
        headers=headers or {},
        body=body,
    )


def find_shipment(route: FulfillmentRoute, data: dict[str, Any]) -> Shipment:
    key = str(data.get("shipment_id") or "").strip()
    reference = str(data.get("order") or "").strip()
    shipments = Shipment.objects.filter(route=route)
    if key:
        pk = key.removeprefix("SHP-")
        shipment = shipments.filter(pk=int(pk)).first() if pk.isdigit() else None
        if shipment is None:
            raise Rejected(_("shipment_id: unknown shipment %(key)s") % {"key": key[:40]})
        return shipment
    if reference:
        number = int(reference) if reference.isdigit() else None
        shipment = shipments.filter(order__number=number).first() if number else None
        if shipment is None:
            raise Rejected(_("order: unknown order %(ref)s") % {"ref": reference[:40]})
        return shipment
    raise Rejected(_("shipment_id: missing (or give order)"), status=400)


def apply_to(shipment: Shipment, data: dict[str, Any], *, route: FulfillmentRoute) -> None:
    status = str(data.get("status") or "shipped").strip().lower()
    if status not in ("shipped", "delivered"):
        raise Rejected(_("status: expected shipped or delivered, got %(s)s") % {"s": status[:20]})
    tracking = str(data.get("tracking_number") or "").strip()
    carrier = str(data.get("carrier") or "").strip()
    actor = f"provider:{route.pk}"
    if shipment.status in ("pending", "dispatching", "dispatched", "failed"):
        if not tracking:
            raise Rejected(_("tracking_number: missing"), status=400)
        if not carrier:
            raise Rejected(_("carrier: missing"), status=400)
        try:
            services.mark_shipped(
                shipment.pk, carrier=carrier, tracking_number=tracking, actor=actor
            )
        except services.TrackingRefused as error:
            raise Rejected(str(error), status=409) from None
        except services.ShipmentTransitionNotAllowed as error:
            raise Rejected(str(error), status=409) from None
    elif shipment.status == "cancelled":
        raise Rejected(
            _("Shipment %(key)s was cancelled; it should not have left.") % {"key": shipment.key},
            status=409,
        )
    elif tracking and tracking != shipment.tracking_number:
        raise Rejected(
            _("Shipment %(key)s already left with tracking number %(number)s.")
            % {"key": shipment.key, "number": shipment.tracking_number},
            status=409,
        )
    if status == "delivered":
        services.mark_delivered(shipment.pk, actor=actor)


def apply_return(route: FulfillmentRoute, data: dict[str, Any]) -> Shipment | None:
    """ "The return came back to the warehouse": received, so refunded and restocked, once
    (``returns.services.receive_return`` locks the return and does nothing the second time).
    Only a return of an order this route shipped is accepted from it."""
    from comptoir.returns import services as returns
    from comptoir.returns.models import ReturnRequest

    key = str(data.get("return_id") or "").strip()
    status = str(data.get("status") or "received").strip().lower()
    if status != "received":
        raise Rejected(_("status: expected received, got %(s)s") % {"s": status[:20]})
    pk = key.removeprefix("RET-")
    request = (
        ReturnRequest.objects.filter(pk=int(pk), order__shipments__route=route).first()
        if pk.isdigit()
        else None
    )
    if request is None:
        raise Rejected(_("return_id: unknown return %(key)s") % {"key": key[:40] or "-"})
    try:
        returns.receive_return(request.pk, actor=f"provider:{route.pk}")
    except returns.ReturnTransitionNotAllowed as error:
        raise Rejected(str(error), status=409) from None
    return Shipment.objects.filter(order_id=request.order_id, route=route).order_by("pk").first()


#: Columns of a confirmation file; ``order`` may stand in for ``shipment_id``.
CONFIRMATION_COLUMNS = {"shipment_id", "order", "carrier", "tracking_number", "status"}


def receive_csv(
    route: FulfillmentRoute, content: bytes, *, channel: str, name: str
) -> list[Answer]:
    """Each row applied on its own: a bad row is rejected with its line number and the
    good rows still count. A file seen before changes nothing (each row is a duplicate)."""
    text = content.decode("utf-8-sig", "replace")
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = {f.strip().lower() for f in reader.fieldnames or []}
    if not fields & {"shipment_id", "order"} or "tracking_number" not in fields:
        message = log_rejected(
            route,
            channel,
            dedupe_key=digest(content),
            error=f"{name}: header must name shipment_id (or order) and tracking_number",
            body=text[:100_000],
        )
        return [Answer(400, Outcome.REJECTED, message.error, message.pk)]
    answers = []
    for number, row in enumerate(reader, start=2):
        data = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        data = {k: v for k, v in data.items() if k in CONFIRMATION_COLUMNS}
        # The row's content identifies it: the same row in a re-uploaded file is a replay.
        data["message_id"] = digest(json.dumps(data, sort_keys=True))
        answer = apply(route, data, channel=channel, body=f"{name} line {number}: {row}")
        if answer.outcome == Outcome.REJECTED:
            answer.detail = f"{name} line {number}: {answer.detail}"
            ReceivedMessage.objects.filter(pk=answer.message_id).update(error=answer.detail)
        answers.append(answer)
    return answers
