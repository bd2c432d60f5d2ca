"""Processes killed with SIGKILL in the middle of their work: a worker sending emails, and
a checkout between reserving the stock and committing. Real subprocesses, against the
test database (the SQLite file or the PostgreSQL test database)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from comptoir.checkout.services import place_order
from comptoir.inventory.models import Reservation, StockMovement
from comptoir.orders import notifications
from comptoir.orders.models import Order, OrderCounter, OrderEvent, OrderLine, OrderNotification
from comptoir.payments.models import Payment
from tests.reliability.smtp import SMTPServer
from tests.selling import add_flat_shipping, details, make_cart, make_variant

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        PYTHONPATH=f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        DATABASE_URL=database_url(),
        DJANGO_SETTINGS_MODULE="comptoir.config.settings",
        **extra,
    )
    return env


def test_a_checkout_killed_before_commit_leaves_nothing_behind(shop):
    # Given a cart, and a process that places its order and is killed before committing
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="KILLED", stock=5)
    cart = make_cart(shop, [(variant, 2)])
    script = textwrap.dedent(f"""
        import sys, time, django
        django.setup()
        from django.db import transaction
        from comptoir.cart.models import Cart
        from comptoir.checkout.services import place_order
        from tests.selling import details
        with transaction.atomic():
            order = place_order(Cart.objects.get(pk="{cart.pk}"), details())
            print("reserved", order.number, flush=True)
            time.sleep(30)
    """)
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "reserved 1", process.stderr.read()
        # When it dies between the reservation and the commit
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()

    # Then none of its rows exist and the stock is untouched
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert Reservation.objects.count() == 0
    assert Payment.objects.count() == 0
    assert OrderNotification.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    variant.refresh_from_db()
    assert (variant.stock_quantity, variant.reserved_quantity) == (5, 0)
    assert OrderCounter.objects.filter(shop=shop, last_number__gt=0).count() == 0

    # And the same cart orders fine afterwards, with number 1
    order = place_order(cart, details())
    assert order.number == 1
    variant.refresh_from_db()
    assert variant.reserved_quantity == 2


def test_a_worker_killed_mid_send_delivers_every_email_after_a_restart(shop):
    # Given 6 orders owing 6 "order received" emails, and a worker that is killed while the
    # SMTP server has accepted the first message but not yet answered
    add_flat_shipping(shop)
    variant = make_variant(shop, sku="MAIL", stock=100)
    orders = [
        place_order(make_cart(shop, [(variant, 1)]), details(f"m{i}@example.org")) for i in range(6)
    ]
    assert OrderNotification.objects.count() == 6
    with SMTPServer() as smtp:
        env = environment(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp.port))
        smtp.inbox.stall.set()
        worker = subprocess.Popen(
            [sys.executable, "-m", "comptoir", "worker", "--interval", "0.05", "--no-scheduler"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert smtp.inbox.stalled.wait(timeout=20), "the worker never sent an email"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        smtp.inbox.release.set()
        # The dead worker's task stays "running"; its email is owed and unsent.
        assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
        assert OrderNotification.objects.filter(sent_at__isnull=True).count() >= 1

        # When a worker starts again and the periodic retry of unsent emails runs
        subprocess.run(
            [sys.executable, "-m", "comptoir", "worker", "--batch", "--interval", "0"],
            env=env,
            check=True,
            timeout=60,
            capture_output=True,
        )
        requeued = notifications.requeue_unsent(stale_after=timedelta(0))
        subprocess.run(
            [sys.executable, "-m", "comptoir", "worker", "--batch", "--interval", "0"],
            env=env,
            check=True,
            timeout=60,
            capture_output=True,
        )
        received = smtp.inbox.wait_for(7)

    # Then every email was sent; the one in flight at the kill was sent twice (at least
    # once: the server had it, the worker never knew), with the same Message-ID
    assert requeued == 1
    assert OrderNotification.objects.filter(sent_at__isnull=True).count() == 0
    assert len(received) == 7
    per_order = Counter(message["X-Comptoir-Order"] for message in received)
    assert sorted(per_order.values()) == [1, 1, 1, 1, 1, 2]
    assert set(per_order) == {order.reference for order in orders}
    twice = next(ref for ref, n in per_order.items() if n == 2)
    ids = {m["Message-ID"] for m in received if m["X-Comptoir-Order"] == twice}
    assert len(ids) == 1
    assert OrderEvent.objects.count() == 6
    assert StockMovement.objects.count() == 0
