"""Who processes which job: one job per integration at a time, oldest first, crash-safe.

The claim is taken inside a transaction that first locks the integration's row
(`select_for_update` on PostgreSQL; on SQLite the settings' IMMEDIATE transactions serialize all
writers), so two workers can never both see "nobody is busy" and both claim. A worker refreshes
its heartbeat while it works; a claim whose heartbeat is older than `STALE_AFTER` belongs to a
dead worker and may be taken over.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exporthub.core.activity import log_activity
from exporthub.sync.models import ExportJob, Integration


class ClaimLost(Exception):
    """Another worker took this job over (our heartbeat was too old): stop working on it."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.SYNC_CLAIM_STALE_SECONDS)


def worker_id() -> str:
    """A name for this worker process that is unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# The activity entry a takeover leaves (counted by the metrics too).
CLAIM_TAKEN_OVER = "sync.job.claim_taken_over"


def claim_next_job(integration_id: int, worker: str) -> ExportJob | None:
    """Claim the oldest unfinished job of the integration, unless a live worker holds one."""
    now = timezone.now()
    with transaction.atomic():
        Integration.objects.select_for_update().filter(pk=integration_id).first()
        unfinished = ExportJob.objects.unfinished().filter(integration_id=integration_id)
        live = unfinished.exclude(claimed_by="").filter(heartbeat_at__gt=now - stale_after())
        if live.exists():
            return None
        job = unfinished.order_by("pleo_created_at", "id").first()
        if job is None:
            return None
        if job.claimed_by:  # a worker that died mid-job: its claim went stale
            log_activity(
                CLAIM_TAKEN_OVER,
                actor_label=f"worker {worker}",
                company_id=job.company_id,
                obj=job,
                previous_worker=job.claimed_by,
            )
        job.claimed_by = worker
        job.claimed_at = job.heartbeat_at = now
        job.save(update_fields=["claimed_by", "claimed_at", "heartbeat_at"])
        return job


def heartbeat(job: ExportJob, worker: str) -> None:
    """Tell others we are alive; raise ClaimLost if the job is no longer ours."""
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(heartbeat_at=now):
        raise ClaimLost(f"{job} is no longer claimed by {worker}")
    job.heartbeat_at = now


def release(job: ExportJob, worker: str) -> None:
    """Give the job up (finished, or handed back after an error)."""
    ExportJob.objects.filter(pk=job.pk, claimed_by=worker).update(claimed_by="", heartbeat_at=None)
    job.claimed_by = ""
