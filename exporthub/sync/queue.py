"""Enqueueing background work, always after the surrounding transaction commits."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

PROCESS_TASK = "exporthub.sync.tasks.process_integration"


def enqueue_processing(integration_id: int) -> None:
    """Ask a worker to process the integration's unfinished jobs (duplicates are harmless)."""
    transaction.on_commit(
        lambda: async_task(
            PROCESS_TASK,
            integration_id,
            group=f"integration-{integration_id}",
        )
    )


def enqueue_preflight_recheck(integration_id: int) -> None:
    """Ask a worker to recompute the queue's pre-flight badges after the mappings changed."""
    transaction.on_commit(
        lambda: async_task(
            "exporthub.sync.tasks.recheck_queue_preflight",
            integration_id,
            group=f"preflight-{integration_id}",
        )
    )


def enqueue_announced_job(integration_id: int, pleo_job_id: str) -> None:
    """Ask a worker to read a job a webhook announced from Pleo, and process it if it is real."""
    transaction.on_commit(
        lambda: async_task(
            "exporthub.sync.tasks.process_announced_job",
            integration_id,
            pleo_job_id,
            group=f"integration-{integration_id}",
        )
    )


def enqueue_processing_at(integration_id: int, when: datetime) -> None:
    """Ask a worker to process the integration's jobs at `when` (a one-off schedule).

    Idempotent: when a run between now and `when` is already scheduled, nothing is added (runs
    already due are being started, so they do not count); a scheduled run that finds nothing
    due simply schedules the next one.
    """
    upcoming = Schedule.objects.filter(
        func=PROCESS_TASK,
        args=repr(integration_id),
        schedule_type=Schedule.ONCE,
        next_run__gt=timezone.now(),
    ).exclude(repeats=0)
    if upcoming.filter(next_run__lte=when).exists():
        return
    Schedule.objects.create(
        name=f"exporthub: retry integration {integration_id}",
        func=PROCESS_TASK,
        args=repr(integration_id),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=when,
    )
