from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from comptoir.core.models import PeriodicRun
from comptoir.core.periodic import Job, period_key, schedule_due
from tests.tasks import run_queued_tasks

JOB = Job("test.prune", timedelta(minutes=5), "comptoir.core.tasks.prune_periodic_runs")


def test_period_key_is_the_start_of_the_period():
    assert (
        period_key(JOB, datetime(2026, 11, 23, 17, 4, 59, tzinfo=UTC)) == "2026-11-23T17:00+00:00"
    )
    assert period_key(JOB, datetime(2026, 11, 23, 17, 5, 0, tzinfo=UTC)) == "2026-11-23T17:05+00:00"


@pytest.mark.django_db
def test_a_job_runs_once_per_period_however_many_schedulers_ask():
    now = datetime(2026, 11, 23, 17, 1, tzinfo=UTC)

    first = schedule_due(now, [JOB])
    second = schedule_due(now + timedelta(minutes=2), [JOB])
    third = schedule_due(now + timedelta(minutes=5), [JOB])

    assert (first, second, third) == (["test.prune"], [], ["test.prune"])
    assert PeriodicRun.objects.filter(name="test.prune").count() == 2
    assert (
        DBTaskResult.objects.filter(task_path="comptoir.core.tasks.prune_periodic_runs").count()
        == 2
    )
    assert run_queued_tasks() == 2
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
