import pytest

from comptoir.inbox.models import InboxItem, ItemKind, ItemStatus
from comptoir.inbox.services import close_item, open_item
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def test_raising_the_same_cause_twice_refreshes_one_open_item():
    shop = ShopFactory.create()

    open_item(shop, kind=ItemKind.DISPATCH_FAILED, key="shipment:1", title="first")
    item = open_item(
        shop, kind=ItemKind.DISPATCH_FAILED, key="shipment:1", title="again", context={"n": 2}
    )

    assert InboxItem.objects.count() == 1
    assert (item.title, item.raised_count, item.context) == ("again", 2, {"n": 2})


def test_an_item_closes_when_its_cause_is_gone_and_a_new_cause_opens_a_new_one():
    shop = ShopFactory.create()
    open_item(shop, kind=ItemKind.DISPATCH_FAILED, key="shipment:1", title="failed")

    assert close_item(shop, kind=ItemKind.DISPATCH_FAILED, key="shipment:1", reason="sent")
    assert not close_item(shop, kind=ItemKind.DISPATCH_FAILED, key="shipment:1", reason="sent")
    open_item(shop, kind=ItemKind.DISPATCH_FAILED, key="shipment:1", title="failed again")

    statuses = list(InboxItem.objects.order_by("pk").values_list("status", "closed_reason"))
    assert statuses == [(ItemStatus.CLOSED, "sent"), (ItemStatus.OPEN, "")]
