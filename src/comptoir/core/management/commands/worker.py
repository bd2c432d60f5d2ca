"""``comptoir worker``: runs background tasks from the database queue.

Several workers, on one machine or many, can share the queue: the database backend
claims each task with a row lock, so a task runs once. Each worker also runs the periodic
scheduler (core.periodic), which enqueues each periodic job once per period in total.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from comptoir.core.periodic import Scheduler


class Command(BaseCommand):
    help = "Run background tasks (emails, image resizing, dispatch...) until stopped."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls of an empty queue"
        )
        parser.add_argument(
            "--batch", action="store_true", help="run the tasks waiting now, then exit"
        )
        parser.add_argument(
            "--scheduler-interval",
            type=float,
            default=15.0,
            help="seconds between two looks for periodic jobs whose period has begun",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="do not enqueue periodic jobs from this worker",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        arguments = ["--queue-name", "*", "--interval", str(options["interval"])]
        if options["batch"]:
            arguments.append("--batch")
        scheduler = None
        if not options["batch"] and not options["no_scheduler"]:
            scheduler = Scheduler(interval=options["scheduler_interval"])
            scheduler.start()
        try:
            call_command("db_worker", *arguments, verbosity=options["verbosity"])
        finally:
            if scheduler is not None:
                scheduler.stop()
