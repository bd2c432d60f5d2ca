"""A real HTTP server on 127.0.0.1 standing in for a logistics provider (3PL).

It checks our HMAC signature, de-duplicates by ``Idempotency-Key`` the way a real
warehouse API does, and can be told to misbehave: answer 500, hang past our timeout,
answer slowly, or stall before or after it recorded a shipment (for the kill -9 tests).

    with Fake3PL(secret="s3cret") as wms:
        wms.plan = ["500", "timeout", "ok"]   # the next answers, then "ok" for ever
        ...
        wms.shipments  # {idempotency key: first payload}, what the warehouse will pack
        wms.requests   # every request, duplicates included
        wms.returns    # {idempotency key: first payload} of return-label requests
                       # (``"type": "return"``), answered with a label
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from comptoir.fulfillment.signing import BadSignature, verify


@dataclass
class Received:
    key: str
    signature_ok: bool
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class Fake3PL:
    def __init__(self, *, secret: str = "wms-secret", slow_seconds: float = 0.3) -> None:
        # "500", "400", "timeout" (hangs, records nothing), "late" (records after our
        # timeout), "slow" (answers within it), "ok".
        self.secret = secret
        self.slow_seconds = slow_seconds
        self.plan: list[str] = []
        self.lock = threading.Lock()
        self.shipments: dict[str, dict[str, Any]] = {}
        self.returns: dict[str, dict[str, Any]] = {}
        self.requests: list[Received] = []
        self.arrivals: Counter[str] = Counter()  # signed requests per key, answered or not
        # For the crash tests: the next request stalls before (or after) being recorded.
        self.stall_mode = ""
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/shipments"

    def __enter__(self) -> Fake3PL:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def next_behaviour(self) -> str:
        with self.lock:
            return self.plan.pop(0) if self.plan else "ok"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                key = self.headers.get("Idempotency-Key", "")
                try:
                    verify(
                        fake.secret,
                        timestamp=self.headers.get("X-Comptoir-Timestamp", ""),
                        signature=self.headers.get("X-Comptoir-Signature", ""),
                        body=body,
                    )
                except BadSignature as error:
                    return self.answer(401, {"error": str(error)}, key, False, {})
                document = json.loads(body)
                with fake.lock:
                    fake.arrivals[key] += 1
                behaviour = fake.next_behaviour()
                if behaviour == "500":
                    return self.answer(500, {"error": "warehouse system down"}, key, True, document)
                if behaviour == "400":
                    return self.answer(400, {"error": "unknown SKU"}, key, True, document)
                if behaviour == "timeout":
                    time.sleep(1.5)  # past the route's timeout: the client gave up
                    return self.answer(503, {"error": "late"}, key, True, document)
                if behaviour == "late":
                    # Past our timeout, but the warehouse did take it: our retry must not
                    # make a second parcel.
                    time.sleep(1.5)
                if behaviour == "slow":
                    time.sleep(fake.slow_seconds)
                mode = fake.stall_mode
                if mode == "before":
                    fake.stall_mode = ""
                    fake.stalled.set()
                    fake.release.wait(30)
                    return  # the worker is dead; it never records anything
                if document.get("type") == "return":
                    # A return label: the same label for every request with the same key.
                    with fake.lock:
                        duplicate = key in fake.returns
                        fake.returns.setdefault(key, document)
                    label = {
                        "reference": f"WMS-{key}",
                        "label_url": f"https://labels.example/{key}.pdf",
                        "carrier": "colissimo",
                        "tracking_number": f"8R{zlib.crc32(key.encode()):010d}",
                        "duplicate": duplicate,
                    }
                    return self.answer(200, label, key, True, document)
                with fake.lock:
                    duplicate = key in fake.shipments
                    fake.shipments.setdefault(key, document)
                if mode == "after":
                    fake.stall_mode = ""
                    fake.stalled.set()
                    fake.release.wait(30)
                    return
                self.answer(
                    200, {"reference": f"WMS-{key}", "duplicate": duplicate}, key, True, document
                )

            def answer(self, status, payload, key, signature_ok, document) -> None:
                with fake.lock:
                    fake.requests.append(Received(key, signature_ok, status, document))
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout): as a real server would see it

        return Handler
