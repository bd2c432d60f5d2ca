"""Digital goods: files reachable only after payment, through signed links that expire and
count their downloads."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from comptoir.catalog.models import ProductKind
from comptoir.checkout.services import place_order
from comptoir.downloads import services
from comptoir.downloads.models import DigitalFile, DownloadGrant
from comptoir.orders import services as orders
from comptoir.orders.models import OrderNotification
from comptoir.orders.notifications import render_message
from comptoir.payments import services as payments
from tests.selling import add_flat_shipping, details, make_cart, make_variant, run_in_threads

CONTENT = b"%PDF-1.4 the whole book\x00\xff" * 100


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.COMPTOIR_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.COMPTOIR_PRIVATE_ROOT


def make_ebook(shop, *, sku="EBOOK", files=("Le livre",)):
    variant = make_variant(shop, sku=sku, price="12.00", stock=100, weight=None)
    variant.product.kind = ProductKind.DIGITAL
    variant.product.save(update_fields=["kind"])
    for name in files:
        digital = DigitalFile(product=variant.product, name=name)
        digital.file.save("livre.pdf", ContentFile(CONTENT), save=True)
    return variant


def place(shop, lines):
    add_flat_shipping(shop)
    return place_order(make_cart(shop, lines), details(payment_method="bank_transfer"))


def pay(order):
    payment = order.payments.get()
    return payments.confirm_payment(str(payment.pk), amount=None, currency="EUR", actor="m")


def link(grant):
    return services.download_path(grant)


@pytest.fixture
def paid(shop):
    """A paid order of one e-book (one file) and one physical item (no file)."""
    ebook = make_ebook(shop)
    mug = make_variant(shop, sku="MUG", stock=5)
    order = place(shop, [(ebook, 1), (mug, 2)])
    assert pay(order) == "paid"
    order.refresh_from_db()
    return order


@pytest.mark.django_db
def test_payment_grants_each_digital_line_its_files_once(shop):
    # Given an order of an e-book with two files, unpaid
    ebook = make_ebook(shop, files=("Le livre", "Les illustrations"))
    order = place(shop, [(ebook, 1)])
    assert DownloadGrant.objects.count() == 0

    # When the payment is confirmed, then replayed, and mark_paid and grant_downloads rerun
    assert pay(order) == "paid"
    assert pay(order) == "already confirmed"
    orders.mark_paid(order.pk, actor="system")
    with transaction.atomic():
        services.grant_downloads(order)

    # Then the line has exactly one grant per file, for 30 days and 5 downloads
    grants = list(DownloadGrant.objects.order_by("file__name"))
    line = order.lines.get()
    assert [(g.line_id, g.file.name, g.max_downloads, g.downloads) for g in grants] == [
        (line.pk, "Le livre", 5, 0),
        (line.pk, "Les illustrations", 5, 0),
    ]
    for grant in grants:
        days = (grant.expires_at - timezone.now()) / timedelta(days=1)
        assert 29.99 < days <= 30
        assert len(grant.token) >= 43  # 32 random bytes, base64


@pytest.mark.django_db
def test_the_link_streams_the_exact_file_after_payment(client, paid):
    grant = DownloadGrant.objects.get()

    response = client.get(link(grant))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Content-Disposition"] == 'attachment; filename="Le livre.pdf"'
    grant.refresh_from_db()
    assert grant.downloads == 1
    assert grant.last_downloaded_at is not None


@pytest.mark.django_db
def test_nothing_before_payment_and_nothing_once_cancelled(client, shop):
    # Given an unpaid order of an e-book: no grant exists
    order = place(shop, [(make_ebook(shop), 1)])
    assert DownloadGrant.objects.count() == 0

    # When a grant is somehow there while the order is unpaid, its link still gives nothing
    grant = DownloadGrant.objects.create(
        line=order.lines.get(),
        file=DigitalFile.objects.get(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    response = client.get(link(grant))
    assert response.status_code == 404
    # Outside the language prefixes, the page speaks the visitor's language: French here.
    assert "Ce lien de téléchargement n’est pas valide" in response.content.decode()

    # And after payment then cancellation (refund), the link is dead again
    DownloadGrant.objects.all().delete()
    pay(order)
    grant = DownloadGrant.objects.get()
    assert client.get(link(grant)).status_code == 200
    orders.cancel_order(order.pk, actor="merchant")
    assert client.get(link(grant)).status_code == 404
    grant.refresh_from_db()
    assert grant.downloads == 1


@pytest.mark.django_db
def test_guessed_or_forged_tokens_are_not_found(client, paid):
    grant = DownloadGrant.objects.get()
    forged_signature = signing.dumps(grant.token, salt="another-salt", compress=False)
    unknown_token = signing.dumps("x" * 43, salt=services.SALT, compress=False)

    for path in [
        f"/downloads/{grant.token}/",  # the raw token, unsigned
        f"/downloads/{forged_signature}/",
        f"/downloads/{unknown_token}/",
        link(grant)[:-5] + "AAAA/",  # tampered signature
        "/downloads/../media/",
    ]:
        assert client.get(path).status_code == 404, path

    grant.refresh_from_db()
    assert grant.downloads == 0


@pytest.mark.django_db
def test_an_expired_link_is_gone(client, paid):
    grant = DownloadGrant.objects.get()
    DownloadGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(link(grant))

    assert response.status_code == 410
    assert "Ce lien de téléchargement a expiré" in response.content.decode()
    grant.refresh_from_db()
    assert grant.downloads == 0


@pytest.mark.django_db
def test_the_limit_is_the_limit(client, paid):
    grant = DownloadGrant.objects.get()

    codes = [client.get(link(grant)).status_code for _ in range(6)]

    assert codes == [200, 200, 200, 200, 200, 410]
    grant.refresh_from_db()
    assert grant.downloads == 5
    response = client.get(link(grant))
    assert "le nombre maximal de fois" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_downloads_never_pass_the_limit(shop):
    # Given a paid e-book whose link allows 3 downloads
    ebook = make_ebook(shop)
    order = place(shop, [(ebook, 1)])
    pay(order)
    grant = DownloadGrant.objects.get()
    DownloadGrant.objects.filter(pk=grant.pk).update(max_downloads=3)
    token = services.download_token(grant)

    # When 12 clicks arrive at once
    outcomes = run_in_threads([lambda: services.use_download(token)] * 12, workers=12)

    # Then exactly 3 were served and the counter says 3
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert sorted(o.refusal for o in outcomes) == [""] * 3 + ["exhausted"] * 9
    grant.refresh_from_db()
    assert grant.downloads == 3


@pytest.mark.django_db
def test_the_private_file_is_not_under_media(client, paid, private_root, settings):
    digital = DigitalFile.objects.get()
    stored = digital.file.name

    assert (private_root / stored).read_bytes() == CONTENT
    assert not (settings.MEDIA_ROOT / stored).exists()
    for path in [f"/media/{stored}", f"/media/private/{stored}"]:
        assert client.get(path).status_code == 404, path


@pytest.mark.django_db
def test_the_links_are_in_the_email_and_on_the_order_page(client, paid):
    grant = DownloadGrant.objects.get()
    notification = OrderNotification.objects.get(order=paid, kind="payment_confirmed")

    message = render_message(notification)

    from comptoir.orders.links import order_status_path

    page = client.get(order_status_path(paid))
    assert page.status_code == 200
    # The links are signed with the second they were made in: read them back rather than
    # sign again (a second may have passed on a loaded machine), then check what they open.
    link = re.compile(r"/downloads/([^/\s\"<]+)/")
    text_tokens = link.findall(message.body)
    html_tokens = link.findall(message.alternatives[0][0])
    page_tokens = link.findall(page.content.decode())
    assert len(text_tokens) == len(html_tokens) == len(page_tokens) == 1
    assert message.body.count(services.shop_base_url(paid) + "/downloads/") == 1
    for token in text_tokens + html_tokens + page_tokens:
        assert services.find_grant(token) == grant


@pytest.mark.django_db
def test_an_order_without_files_mentions_no_downloads(client, shop):
    order = place(shop, [(make_variant(shop, sku="TEA", stock=5), 1)])
    pay(order)
    notification = OrderNotification.objects.get(order=order, kind="payment_confirmed")

    message = render_message(notification)

    assert "/downloads/" not in message.body
    assert DownloadGrant.objects.count() == 0


@pytest.mark.django_db
def test_the_merchant_uploads_a_file_in_the_back_office(admin_client, shop, private_root):
    variant = make_variant(shop, sku="PDF", stock=100, weight=None)
    upload = ContentFile(CONTENT, name="guide.pdf")

    response = admin_client.post(
        "/admin/downloads/digitalfile/add/",
        {"product": variant.product_id, "variant": "", "name": "Guide", "file": upload},
    )

    assert response.status_code == 302, response.content[:2000]
    digital = DigitalFile.objects.get()
    assert (private_root / digital.file.name).read_bytes() == CONTENT
    change = admin_client.get(f"/admin/downloads/digitalfile/{digital.pk}/change/")
    assert change.status_code == 200
