"""The merchant's return screens open, and refusing uses the reason typed on the page."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from comptoir.orders.models import OrderNotification
from comptoir.returns.models import NonReturnable, ReturnPolicy, ReturnRequest
from comptoir.returns.states import ReturnStatus
from tests.returns.helpers import ask, deliver, sandbox_paid
from tests.selling import make_variant

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(client):
    get_user_model().objects.create_superuser("anne", "anne@example.org", "pw")
    client.login(username="anne", password="pw")  # noqa: S106 - a test password
    return client


def test_the_screens_open(client, shop, merchant):
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    policy = ReturnPolicy.objects.create(shop=shop, return_address="3 quai Saint-Vincent")
    excluded = NonReturnable.objects.create(shop=shop, product=tea.product)
    order = sandbox_paid(client, shop, [(tea, 1)])
    deliver(client, order)
    ask(client, order, {order.lines.get(): 1})
    request = ReturnRequest.objects.get()

    pages = [
        "/admin/returns/returnpolicy/",
        f"/admin/returns/returnpolicy/{policy.pk}/change/",
        "/admin/returns/returnpolicy/add/",
        "/admin/returns/nonreturnable/",
        f"/admin/returns/nonreturnable/{excluded.pk}/change/",
        "/admin/returns/returnrequest/",
        f"/admin/returns/returnrequest/{request.pk}/change/",
    ]
    answers = {page: merchant.get(page, HTTP_ACCEPT_LANGUAGE="en").status_code for page in pages}

    assert answers == dict.fromkeys(pages, 200)


def test_refusing_from_the_admin_sends_the_reason_typed(client, shop, merchant):
    tea = make_variant(shop, sku="TEA", price="10.00", stock=10)
    NonReturnable.objects.create(shop=shop, product=tea.product)
    order = sandbox_paid(client, shop, [(tea, 1)])
    deliver(client, order)
    ask(client, order, {order.lines.get(): 1})
    request = ReturnRequest.objects.get()
    ReturnRequest.objects.filter(pk=request.pk).update(refused_reason="Produit descellé.")

    merchant.post(
        "/admin/returns/returnrequest/",
        {"action": "refuse", "_selected_action": [request.pk]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    request.refresh_from_db()
    assert (request.status, request.refused_reason) == (ReturnStatus.REFUSED, "Produit descellé.")
    refused = OrderNotification.objects.get(order=order, kind="return_refused")
    assert refused.context["reason"] == "Produit descellé."
