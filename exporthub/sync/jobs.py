"""Mirroring Pleo's export jobs in our database."""

from __future__ import annotations

from exporthub.core.activity import log_activity
from exporthub.pleo.client import PleoClient
from exporthub.pleo.schemas.jobs import ExportJob as PleoExportJob
from exporthub.sync.models import ExportJob, Integration, ItemStatus, JobStatus


def _fields(remote: PleoExportJob) -> dict:
    return {
        "company_id": remote.company_id,
        "status": str(remote.status),
        "is_interactive": remote.is_interactive,
        "vendor_based_bookkeeping": remote.vendor_based_bookkeeping,
        "number_of_items": remote.number_of_items,
        "created_by": remote.created_by,
        "pleo_created_at": remote.created_at,
        "started_at": remote.started_at,
        "completed_at": remote.completed_at,
        "last_updated_at": remote.last_updated_at,
        "expired_at": remote.expired_at,
        "failure_reason": remote.failure_reason or "",
        "failure_reason_type": str(remote.failure_reason_type or ""),
    }


def record_job(integration: Integration, remote: PleoExportJob) -> tuple[ExportJob, bool]:
    """Create or update our mirror of a Pleo job; returns (job, created). Never changes Pleo."""
    job, created = ExportJob.objects.get_or_create(
        integration=integration, pleo_id=remote.id, defaults=_fields(remote)
    )
    if created:
        log_activity(
            "sync.job.detected",
            actor_label="engine",
            company_id=job.company_id,
            obj=job,
            after={"status": job.status, "items": job.number_of_items},
        )
    elif job.status != str(remote.status) or job.last_updated_at != remote.last_updated_at:
        _apply(job, remote)
    return job, created


def refresh_from_pleo(pleo: PleoClient, job: ExportJob) -> PleoExportJob:
    """Read the job from Pleo and store what Pleo says; returns Pleo's view."""
    remote = pleo.get_job(str(job.pleo_id))
    _apply(job, remote)
    return remote


def _apply(job: ExportJob, remote: PleoExportJob) -> None:
    before = job.status
    fields = _fields(remote)
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))
    if job.status == JobStatus.FAILED:
        # Pleo abandons what a failed or expired job did not finish.
        job.items.filter(status__in=[ItemStatus.PENDING, ItemStatus.IN_PROGRESS]).update(
            status=ItemStatus.ABANDONED
        )
    if job.is_finished:
        job.recount()
    if before != job.status:
        log_activity(
            "sync.job.status_changed",
            actor_label="pleo",
            company_id=job.company_id,
            obj=job,
            before={"status": before},
            after={"status": job.status},
            failure_reason_type=job.failure_reason_type,
        )
