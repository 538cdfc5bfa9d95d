"""What an accountant can ask the hub to do (the dashboard's buttons call these)."""

from __future__ import annotations

from collections.abc import Sequence

from exporthub.core.activity import log_activity
from exporthub.sync.detection import poll_integration
from exporthub.sync.jobs import record_job
from exporthub.sync.models import ExportJob, Integration, ItemStatus
from exporthub.sync.queue import enqueue_processing
from exporthub.sync.wiring import open_pleo


def create_export_job(integration: Integration, entry_ids: Sequence[str], *, user) -> ExportJob:
    """Ask Pleo for an export job over the given queued entries, and process it right away.

    Raises the Pleo client's errors (e.g. `ExportAlreadyInProgress`) unchanged for the caller
    to show.
    """
    if not entry_ids:
        raise ValueError("Select at least one entry to export.")
    connection = integration.pleo_connection
    with open_pleo(integration) as pleo:
        remote = pleo.create_job(
            [str(entry) for entry in entry_ids], company_id=str(connection.company_id)
        )
    job, _ = record_job(integration, remote)
    log_activity(
        "sync.job.requested", actor=user, company_id=job.company_id, obj=job, entries=len(entry_ids)
    )
    enqueue_processing(integration.pk)
    return job


def check_pleo_now(integration: Integration, *, user) -> list[ExportJob]:
    """Check Pleo for jobs now (instead of waiting for the poll) and process what waits.

    Pages through Pleo's job list: a worker's work (`OperationKind.RUN_NOW`), never a request's.
    """
    unfinished = poll_integration(integration)
    log_activity(
        "sync.run_now",
        actor=user,
        company_id=integration.pleo_connection.company_id,
        obj=integration,
        waiting=len(unfinished),
    )
    if unfinished:
        enqueue_processing(integration.pk)
    return unfinished


def reexport_failed_items(
    job: ExportJob, *, user, entry_ids: Sequence[str] | None = None
) -> ExportJob:
    """Export a finished job's failed items again, in a new Pleo job, after their cause is fixed.

    Pleo accepts no more results for a finished job, so the failed entries go into a new one.
    Entries that did reach the ERP meanwhile are found there, never posted twice.
    """
    if not job.is_finished:
        raise ValueError("The job is still running; wait until it has finished.")
    failed = job.items.filter(status=ItemStatus.FAILED)
    if entry_ids is not None:
        failed = failed.filter(accounting_entry_id__in=list(entry_ids))
    ids = [str(entry) for entry in failed.values_list("accounting_entry_id", flat=True)]
    if not ids:
        raise ValueError("This job has no failed items to export again.")
    new_job = create_export_job(job.integration, ids, user=user)
    log_activity(
        "sync.job.reexport",
        actor=user,
        company_id=job.company_id,
        obj=job,
        new_job=str(new_job.pleo_id),
        entries=len(ids),
    )
    return new_job
