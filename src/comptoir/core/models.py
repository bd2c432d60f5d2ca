from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class PeriodicRun(models.Model):
    """One row per periodic job and period: the first worker to insert it runs the job,
    every other worker finds the row and skips, however many workers run."""

    name = models.CharField(max_length=80)
    period = models.CharField(max_length=40)
    started_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "period"], name="periodic_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.period}"


class RateCounter(models.Model):
    """Hits per key and fixed time window (core/ratelimit.py), shared by every server
    process: the configured cache may be per process (locmem), and a limit each process
    counts on its own is no limit."""

    key = models.CharField(max_length=120)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="rate_counter_once"),
        ]
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.key} {self.window_start}: {self.hits}"
