"""A small real IMAP4rev1 server on 127.0.0.1 for the mailbox tests.

Only what ``comptoir.fulfillment.mailbox`` sends: CAPABILITY, LOGIN, SELECT, UID SEARCH
UNSEEN, UID FETCH (BODY.PEEK[] or RFC822, the latter marking the message seen as a real
server does), UID STORE +FLAGS (\\Seen), LOGOUT. One mailbox, shared by all connections.
"""

from __future__ import annotations

import re
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

USERNAME, PASSWORD = "logisti", "imap-pass"


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class Mailbox:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[Stored] = []
        self.logins = 0

    def add(self, message: EmailMessage | bytes) -> int:
        raw = message if isinstance(message, bytes) else message.as_bytes()
        with self.lock:
            uid = len(self.messages) + 1
            self.messages.append(Stored(uid, raw))
            return uid

    def seen(self) -> list[int]:
        return [m.uid for m in self.messages if "\\Seen" in m.flags]

    def mark_all_unseen(self) -> None:
        with self.lock:
            for m in self.messages:
                m.flags.discard("\\Seen")


class Handler(socketserver.StreamRequestHandler):
    server: IMAPServer

    def send(self, line: str | bytes) -> None:
        self.wfile.write((line if isinstance(line, bytes) else line.encode()) + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        self.send("* OK test IMAP4rev1 ready")
        authenticated = False
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            tag, _, rest = text.partition(" ")
            words = [w.strip('"') for w in rest.split()]
            command = words[0].upper() if words else ""
            args = words[1:]
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK CAPABILITY completed")
            elif command == "LOGIN":
                if args == [USERNAME, PASSWORD]:
                    authenticated = True
                    with box.lock:
                        box.logins += 1
                    self.send(f"{tag} OK LOGIN completed")
                else:
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] wrong credentials")
            elif command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag} OK LOGOUT completed")
                return
            elif not authenticated:
                self.send(f"{tag} NO log in first")
            elif command == "SELECT":
                if args and args[0].upper() == "INBOX":
                    self.send(f"* {len(box.messages)} EXISTS")
                    self.send(f"{tag} OK [READ-WRITE] SELECT completed")
                else:
                    self.send(f"{tag} NO no such folder")
            elif command == "UID" and args:
                self.uid(tag, args[0].upper(), args[1:])
            else:
                self.send(f"{tag} BAD unsupported command")

    def uid(self, tag: str, command: str, args: list[str]) -> None:
        box = self.server.mailbox
        if command == "SEARCH" and [a.upper() for a in args] == ["UNSEEN"]:
            with box.lock:
                uids = [str(m.uid) for m in box.messages if "\\Seen" not in m.flags]
            self.send("* SEARCH" + "".join(f" {u}" for u in uids))
            self.send(f"{tag} OK SEARCH completed")
        elif command == "FETCH" and len(args) == 2:
            item = args[1].strip("()").upper()
            with box.lock:
                found = [m for m in box.messages if str(m.uid) == args[0]]
                if found and item == "RFC822":
                    found[0].flags.add("\\Seen")
            for seq, m in enumerate(found, start=1):
                name = "BODY[]" if item == "BODY.PEEK[]" else "RFC822"
                self.wfile.write(f"* {seq} FETCH (UID {m.uid} {name} {{{len(m.raw)}}}\r\n".encode())
                self.wfile.write(m.raw)
                self.send(")")
            self.send(f"{tag} OK FETCH completed")
        elif command == "STORE" and len(args) >= 3 and args[1].upper() == "+FLAGS":
            flags = re.findall(r"\\\w+", " ".join(args[2:]))
            with box.lock:
                for m in box.messages:
                    if str(m.uid) == args[0]:
                        m.flags.update(flags)
                        self.send(f"* {m.uid} FETCH (UID {m.uid} FLAGS ({' '.join(m.flags)}))")
            self.send(f"{tag} OK STORE completed")
        else:
            self.send(f"{tag} BAD unsupported UID command")


class IMAPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, mailbox: Mailbox | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.mailbox = mailbox or Mailbox()
        self.port = self.server_address[1]

    def __enter__(self) -> IMAPServer:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()


def provider_email(
    *, sender: str, attachments: dict[str, str], message_id: str, subject: str = "Expéditions"
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "boutique@example.org"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content("Voir les fichiers joints.")
    for name, text in attachments.items():
        message.add_attachment(text, subtype="csv", filename=name)
    return message
