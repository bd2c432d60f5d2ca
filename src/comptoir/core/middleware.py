"""``Server-Timing``: how long the server spent on a request, as the response says it.

The checkout benchmark adds these up per flow: the time the shop itself spent, without
the network, the client or the load generator sharing the machine. ``app`` is the wall
time; ``cpu`` the CPU time of the thread that served the request, which, unlike the wall
time, does not grow while other processes hold the machine's cores. Browsers' developer
tools show both. Only durations are disclosed, nothing about what ran.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ServerTimingMiddleware:
    """First in ``MIDDLEWARE``, so that every other middleware's time is counted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started, cpu_started = time.perf_counter(), time.thread_time()
        response = self.get_response(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.thread_time() - cpu_started) * 1000
        timing = f"app;dur={elapsed_ms:.1f}, cpu;dur={cpu_ms:.1f}"
        # A view may have added entries of its own; keep them.
        existing = response.headers.get("Server-Timing")
        response.headers["Server-Timing"] = f"{existing}, {timing}" if existing else timing
        return response
