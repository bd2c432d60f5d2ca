"""Reading a mailbox over IMAP, for every domain that takes email in (provider
confirmations, customer replies to support tickets).

Each unseen message is fetched without marking it seen (BODY.PEEK); the caller's handler
applies it; only then is the message marked seen. A crash in between leaves the message
for the next poll, so handlers must be idempotent (they record the Message-ID they applied).
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    ssl: bool
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = 30

    @classmethod
    def of(cls, source: Any, *, timeout: float = 30) -> MailboxSettings:
        """The mailbox a model's ``imap_host``, ``imap_port``, ``imap_ssl``,
        ``imap_username``, ``imap_password`` and ``imap_folder`` fields describe (a
        fulfillment route's, a shop's support settings)."""
        return cls(
            host=source.imap_host,
            port=source.imap_port,
            ssl=source.imap_ssl,
            username=source.imap_username,
            password=source.imap_password,
            folder=source.imap_folder,
            timeout=timeout,
        )


def connect(mailbox: MailboxSettings) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if mailbox.ssl else imaplib.IMAP4
    client = cls(mailbox.host, mailbox.port, timeout=mailbox.timeout)
    client.login(mailbox.username, mailbox.password)
    status, _data = client.select(mailbox.folder)
    if status != "OK":
        client.logout()
        raise imaplib.IMAP4.error(f"cannot open folder {mailbox.folder!r}")
    return client


def read_unseen(mailbox: MailboxSettings, handle: Callable[[bytes], object]) -> int:
    """Give every unseen message to ``handle``, marking it seen once handled; returns how
    many were handled. Raises when the server cannot be reached: everything stays unseen
    for the next poll. A message whose handler fails stays unseen; the others still count."""
    client = connect(mailbox)
    try:
        status, data = client.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise imaplib.IMAP4.error(f"search failed: {data!r}")
        uids = data[0].split() if data and data[0] else []
        handled = 0
        for uid in uids:
            raw = fetch(client, uid)
            if raw is None:
                continue
            try:
                handle(raw)
            except (OSError, imaplib.IMAP4.error):
                raise  # the connection is gone: the rest waits for the next poll
            except Exception:
                log.exception(
                    "email %s of %s@%s could not be applied", uid, mailbox.username, mailbox.host
                )
                continue
            # Only now: a crash before this line leaves the message for the next poll,
            # where its recorded Message-ID makes it a no-op.
            client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
        return handled
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()


def fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for part in data:
        if isinstance(part, tuple) and len(part) == 2:
            return part[1]
    return None
