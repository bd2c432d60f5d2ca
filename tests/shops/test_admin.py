"""The shop's settings page: its VAT settings, checked before they are saved."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchant(client):
    client.force_login(get_user_model().objects.create_superuser("anne", "a@example.org", "x"))
    return client


def form_of(client, shop) -> dict:
    """The change form as the browser would post it back, unchanged."""
    page = client.get(reverse("admin:shops_shop_change", args=[shop.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v not in (None, False)}
    data.pop("logo", None)
    return data


def test_the_vat_settings_are_on_the_shop_page_and_a_wrong_rate_is_refused(merchant, shop):
    page = merchant.get(reverse("admin:shops_shop_change", args=[shop.pk])).content.decode()
    assert 'name="oss_registered"' in page and 'name="vat_overrides"' in page

    data = form_of(merchant, shop)
    data["vat_overrides"] = '{"FR": {"reduced": "5,5"}}'
    refused = merchant.post(reverse("admin:shops_shop_change", args=[shop.pk]), data)

    assert refused.status_code == 200
    with translation.override("fr"):  # the back office's language
        expected = gettext("%(where)s: %(rate)r is not a rate in percent such as 20 or 5.5.")
    assert escape(expected % {"where": "FR.reduced", "rate": "5,5"}) in refused.content.decode()
    shop.refresh_from_db()
    assert shop.vat_overrides == {}

    data["vat_overrides"] = '{"FR": {"reduced": "5.5"}}'
    saved = merchant.post(reverse("admin:shops_shop_change", args=[shop.pk]), data)

    assert saved.status_code == 302
    shop.refresh_from_db()
    assert shop.vat_overrides == {"FR": {"reduced": "5.5"}}
