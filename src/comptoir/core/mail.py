"""Emails a row owes (an order notification, a ticket's reply): sent once, retried safely.

The row is locked only while its attempt is counted, never while the SMTP server is
talked to; it is marked sent afterwards. A worker killed between the two sends the email
again on the next attempt (at least once, the best SMTP allows); a row already marked sent
is never sent again. Callers' tasks are wrapped in ``core.retry.retrying``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone


def send_once(rows: models.QuerySet, pk: Any, render: Callable[[Any], EmailMessage]) -> bool:
    """Send the email row ``pk`` of ``rows`` owes (fields ``sent_at``, ``attempts`` and
    ``last_error``) unless it went out already. True if sent now; raises if sending failed,
    with the error kept on the row, for the caller's retry."""
    model = rows.model
    with transaction.atomic():
        row = rows.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None or row.sent_at is not None:
            return False
        row.attempts += 1
        row.save(update_fields=["attempts"])
    email = render(row)
    try:
        email.send()
    except Exception as error:
        model.objects.filter(pk=pk).update(last_error=str(error)[:2000])
        raise  # the task fails; core.retry enqueues the next attempt
    model.objects.filter(pk=pk).update(sent_at=timezone.now(), last_error="")
    return True
