import pytest

from comptoir.seo.models import Redirect
from comptoir.seo.services import add_redirect
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def pairs(shop):
    return sorted(Redirect.objects.filter(shop=shop).values_list("old_path", "new_path"))


def test_chains_collapse_to_one_hop():
    shop = ShopFactory.create()

    add_redirect(shop, old_path="/a", new_path="/b")
    add_redirect(shop, old_path="/b", new_path="/c")

    assert pairs(shop) == [("/a", "/c"), ("/b", "/c")]


def test_a_page_moved_back_to_its_old_address_is_live_again():
    shop = ShopFactory.create()
    add_redirect(shop, old_path="/a", new_path="/b")

    add_redirect(shop, old_path="/b", new_path="/a")

    assert pairs(shop) == [("/b", "/a")]
