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
