"""Enqueueing background work, always after the surrounding transaction commits."""

from __future__ import annotations

from django.db import transaction
from django_q.tasks import async_task


def enqueue_processing(integration_id: int) -> None:
    """Ask a worker to process the integration's unfinished jobs (duplicates are harmless)."""
    transaction.on_commit(
        lambda: async_task(
            "exporthub.sync.tasks.process_integration",
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
