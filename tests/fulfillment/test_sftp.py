"""Orders dropped as a CSV file on a real SFTP server (asyncssh on 127.0.0.1), and the
warehouse's confirmation and stock files picked up from it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail

from comptoir.fulfillment import dispatch, files
from comptoir.fulfillment.models import ReceivedMessage, RouteKind, Shipment, Transport
from comptoir.inbox.models import InboxItem
from comptoir.inventory.models import StockMovement
from tests.fulfillment.helpers import paid_order, stocked, warehouse
from tests.fulfillment.sftp_server import PASSWORD, USERNAME, SFTPServer
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    with SFTPServer(tmp_path) as running:
        yield running


def sftp_route(shop, server, **fields):
    settings = {
        "transport": Transport.SFTP,
        "sftp_host": "127.0.0.1",
        "sftp_port": server.port,
        "sftp_username": USERNAME,
        "sftp_password": PASSWORD,
        "sftp_host_key": server.public_key,
        "batch_every_minutes": 15,
        "timeout_seconds": 5,
        **fields,
    }
    return warehouse(shop, "", **settings)


def test_paid_orders_leave_together_as_one_csv_file_at_the_slot(shop, server):
    # Given a warehouse taking files every 15 minutes and 3 paid orders
    sftp_route(shop, server)
    tea, mug = stocked(shop, "TEA"), stocked(shop, "MUG")
    orders = [paid_order(shop, [(tea, 2), (mug, 1)], f"s{i}@example.org") for i in range(3)]
    shipments = list(Shipment.objects.order_by("pk"))
    slot = max(s.next_attempt_at for s in shipments)

    # When the periodic dispatch runs before the slot, then at the slot
    assert dispatch.dispatch_due_shipments(now=slot.replace(second=0) - slot.resolution) == 0
    assert list((server.root / "in").iterdir()) == []
    assert dispatch.dispatch_due_shipments(now=slot) == 3

    # Then one file holds the 3 orders, 2 lines each, and no partial file is left
    dropped = list((server.root / "in").iterdir())
    assert len(dropped) == 1
    assert dropped[0].name.endswith("-3.csv")
    rows = list(csv.DictReader(io.StringIO(dropped[0].read_text("utf-8-sig")), delimiter=";"))
    assert len(rows) == 6
    assert {r["order"] for r in rows} == {o.reference for o in orders}
    assert {(r["sku"], r["quantity"]) for r in rows} == {("TEA", "2"), ("MUG", "1")}
    assert {r["city"] for r in rows} == {"Lyon"}
    assert set(Shipment.objects.values_list("status", flat=True)) == {"dispatched"}


def test_a_wrong_host_key_is_refused_and_retried_later(shop, server):
    from tests.fulfillment.sftp_server import SFTPServer as Other

    impostor_key = Other(server.root).public_key
    sftp_route(shop, server, sftp_host_key=impostor_key)
    paid_order(shop, [(stocked(shop, "TEA"), 1)])
    shipment = Shipment.objects.get()
    assert dispatch.dispatch_due_shipments(now=shipment.next_attempt_at) == 0
    shipment.refresh_from_db()
    assert shipment.status == "dispatching"
    assert "HostKeyNotVerifiable" in shipment.last_error
    assert server.logins == 0
    assert list((server.root / "in").iterdir()) == []


def test_confirmation_and_stock_files_are_picked_up_once(shop, server):
    # Given two shipments at the warehouse
    route = sftp_route(shop, server)
    tea, mug = stocked(shop, "TEA", stock=50), stocked(shop, "MUG", stock=20)
    first = paid_order(shop, [(tea, 1)], "a@example.org")
    second = paid_order(shop, [(mug, 2)], "b@example.org")
    a, b = Shipment.objects.get(order=first), Shipment.objects.get(order=second)
    # And the warehouse's files: a confirmation of the first (plus a bad row and a row for
    # an unknown order), and its stock, where MUG still counts the 2 units of the second
    (server.root / "out" / "confirmations-1.csv").write_text(
        "shipment_id;carrier;tracking_number\n"
        f"{a.key};Colissimo;6A000000001\n"
        f"{b.key};Colissimo;\n"
        "SHP-999999;DPD;X9\n",
        encoding="utf-8",
    )
    (server.root / "out" / "stock-1.csv").write_text(
        "sku;quantity\nTEA;40\nMUG;12\nGHOST;3\nTEA2;lots\n", encoding="utf-8"
    )

    # When the periodic pick-up runs, and runs again with the same files put back
    assert files.pick_up_files(route) == ["confirmations-1.csv", "stock-1.csv"]
    run_queued_tasks()
    for archived in (server.root / "out" / "processed").iterdir():
        archived.rename(server.root / "out" / archived.name)
    assert files.pick_up_files(route) == ["confirmations-1.csv", "stock-1.csv"]

    # Then the first shipment shipped once, its customer emailed once
    a.refresh_from_db()
    assert (a.status, a.tracking_number) == ("shipped", "6A000000001")
    shipped = [m for m in mail.outbox if m.extra_headers["X-Comptoir-Kind"] == "shipment_shipped"]
    assert [m.to for m in shipped] == [["a@example.org"]]
    # The bad rows were rejected with their line numbers, the good one kept
    errors = set(
        ReceivedMessage.objects.filter(kind="confirmation", outcome="rejected").values_list(
            "error", flat=True
        )
    )
    assert errors == {
        "confirmations-1.csv line 3: tracking_number: missing",
        "confirmations-1.csv line 4: shipment_id: unknown shipment SHP-999999",
    }
    # Stock: TEA 40 on the shelves (its unit shipped), MUG 12 of which 2 are ours to ship
    tea.refresh_from_db()
    mug.refresh_from_db()
    assert (tea.stock_quantity, mug.stock_quantity) == (40, 10)
    assert StockMovement.objects.filter(reason="stock_file").count() == 2
    # The second pass changed nothing: the same snapshot is a duplicate
    outcomes = list(
        ReceivedMessage.objects.filter(kind="stock").order_by("pk").values_list("outcome", "error")
    )
    assert outcomes == [
        ("accepted", "stock-1.csv line 5: quantity 'lots' is not a number"),
        ("duplicate", ""),
    ]
    unknown = InboxItem.objects.get(kind="stock_mismatch")
    assert unknown.detail == "GHOST"
    assert sorted(p.name for p in (server.root / "out" / "processed").iterdir()) == [
        "confirmations-1.csv",
        "stock-1.csv",
    ]
    assert route.kind == RouteKind.THIRD_PARTY
