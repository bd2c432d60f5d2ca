"""``comptoir serve``: the production web server plus, by default, an embedded worker.

A one-server shop needs nothing else running: the web processes and one background
worker start together and stop together. Larger set-ups pass ``--no-worker`` and run
``comptoir worker`` on other machines.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError


def default_web_workers() -> int:
    return (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Serve the shop with gunicorn and an embedded background worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--bind", default=os.environ.get("COMPTOIR_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", default_web_workers())),
            help="web processes (default: CPU cores + 1)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("WEB_THREADS", 1)),
            help="threads per web process (default 1: gunicorn's sync worker; more: gthread, "
            "a process keeps its core busy while a thread waits on the database)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the embedded background worker"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1")
        if options["threads"] < 1:
            raise CommandError("--threads must be at least 1")
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "comptoir.config.wsgi:application",
            "--bind",
            options["bind"],
            "--workers",
            str(options["workers"]),
            "--worker-class",
            "sync" if options["threads"] == 1 else "gthread",
            "--threads",
            str(options["threads"]),
            # A restarted worker starts with an empty page cache: recycle rarely, only as
            # a safety net against a slow leak.
            "--max-requests",
            "1000000",
            "--max-requests-jitter",
            "100000",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        ]
        if options["verbosity"] > 1:
            # Without the option gunicorn does not build access lines at all (sent to
            # /dev/null, each request would still pay for formatting its line).
            web += ["--access-logfile", "-"]
        children = [subprocess.Popen(web)]  # noqa: S603
        if not options["no_worker"]:
            children.append(subprocess.Popen([sys.executable, "-m", "comptoir", "worker"]))
        self.stdout.write(
            f"Serving on http://{options['bind']}/ "
            f"({options['workers']} web processes x {options['threads']} threads"
            f"{'' if options['no_worker'] else ' + 1 background worker'}). "
            "Ctrl+C stops."
        )
        self._supervise(children)

    def _supervise(self, children: list[subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise CommandError(f"a server process exited with code {failed[0].returncode}")
