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
