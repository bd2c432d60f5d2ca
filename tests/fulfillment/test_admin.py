"""The back-office screens answer, and the re-send action goes through the service."""

from __future__ import annotations

import pytest

from comptoir.fulfillment.models import ReceivedMessage, Shipment
from tests.fulfillment.fake_3pl import Fake3PL
from tests.fulfillment.helpers import paid_order, stocked, warehouse
from tests.tasks import run_queued_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(admin_client):
    admin_client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def test_the_merchant_sees_and_resends_a_failed_shipment(admin_client, shop):
    with Fake3PL() as wms:
        route = warehouse(shop, wms.url, max_attempts=1)
        wms.plan = ["500"]
        paid_order(shop, [(stocked(shop, "TEA"), 1)])
        run_queued_tasks()
        shipment = Shipment.objects.get()
        assert shipment.status == "failed"

        for url in [
            "/admin/fulfillment/shipment/",
            f"/admin/fulfillment/shipment/{shipment.pk}/change/",
            "/admin/fulfillment/fulfillmentroute/",
            f"/admin/fulfillment/fulfillmentroute/{route.pk}/change/",
            "/admin/fulfillment/supplier/",
            "/admin/fulfillment/productroute/",
            "/admin/fulfillment/receivedmessage/",
        ]:
            assert admin_client.get(url).status_code == 200, url

        response = admin_client.post(
            "/admin/fulfillment/shipment/",
            {"action": "resend_selected", "_selected_action": [shipment.pk]},
            follow=True,
        )
        assert response.status_code == 200
        assert "1 shipment(s) will be sent again." in response.content.decode()
        run_queued_tasks()

    shipment.refresh_from_db()
    assert shipment.status == "dispatched"
    assert list(wms.shipments) == [shipment.key]
    assert shipment.events.filter(to_status="dispatching", actor="admin").count() == 1
    assert ReceivedMessage.objects.count() == 0


def test_the_merchant_uploads_a_confirmation_file_with_a_bad_line(admin_client, shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    route = warehouse(shop, "http://127.0.0.1:9/", batch_every_minutes=60)
    paid_order(shop, [(stocked(shop, "TEA"), 1)])
    shipment = Shipment.objects.get()
    content = f"order,carrier,tracking_number\n{shipment.order.reference},GLS,G1\n12x,GLS,G2\n"
    response = admin_client.post(
        f"/admin/fulfillment/fulfillmentroute/{route.pk}/upload/",
        {"kind": "confirmations", "file": SimpleUploadedFile("conf.csv", content.encode())},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 parcel(s) confirmed." in page
    # (the admin capitalises its messages)
    assert "Conf.csv line 3: order: unknown order 12x" in page
    shipment.refresh_from_db()
    assert (shipment.status, shipment.carrier, shipment.tracking_number) == ("shipped", "gls", "G1")
    assert shipment.tracking_url == "https://gls-group.com/FR/fr/suivi-colis?match=G1"
