"""The export job life cycle: creation, events, item write-back and expiry."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from exporthub.sandbox import webhooks
from exporthub.sandbox.errors import (
    BadRequest,
    ExportAlreadyInProgress,
    ExportNotFound,
    InvalidStatusChange,
    JobFinished,
    MissingContraAccounts,
    NothingToExport,
)
from exporthub.sandbox.models import Account, AccountingEntry, Company, ExportJob, ExportJobItem
from exporthub.sandbox.models.jobs import UNFINISHED_ITEM_STATUSES, UNFINISHED_JOB_STATUSES

# (current status, event) -> new status. Anything else is INVALID_EXPORT_JOB_STATUS_CHANGE.
TRANSITIONS = {
    ("pending", "started"): "in_progress",
    ("pending", "failed"): "failed",
    ("in_progress", "completed"): "completed",
    ("in_progress", "completed_with_errors"): "completed_with_errors",
    ("in_progress", "failed"): "failed",
}

# What an entry's `exportStatus` becomes when its item reaches a status.
ENTRY_STATUS_FOR_ITEM = {
    "pending": "EXPORTING",
    "in_progress": "EXPORTING",
    "successful": "EXPORTED",
    "failed": "QUEUED",
    "abandoned": "QUEUED",
}


@dataclass(frozen=True)
class ItemUpdate:
    entry_id: uuid.UUID
    status: str
    exported_at: datetime | None = None
    external_id: str | None = None
    external_url: str | None = None
    failure_reason: str | None = None
    failure_reason_type: str | None = None


def missing_contra_currencies(company: Company, currencies: set[str]) -> list[str]:
    mapped = set(
        Account.objects.filter(
            company=company, contra_currency__in=currencies, archived=False
        ).values_list("contra_currency", flat=True)
    )
    return sorted(currencies - mapped)


def _check_contra_accounts(company: Company, currencies: set[str]) -> None:
    missing = missing_contra_currencies(company, currencies)
    if missing:
        raise MissingContraAccounts(
            "Contra accounts are not fully configured. Please map contra accounts in the "
            f"Accounting settings. Missing: {', '.join(missing)}."
        )


@transaction.atomic
def create_job(
    company: Company,
    *,
    entry_ids: list[uuid.UUID] | None,
    is_interactive: bool = True,
    vendor_based_bookkeeping: bool = False,
    created_by: uuid.UUID | None = None,
) -> ExportJob:
    """Put entries into a new pending job (Pleo's "Export" click, or `POST /v3/export-jobs`).

    Without `entry_ids` (the web app's button) the whole export queue goes in. Named entries may
    be queued or already exported: Pleo lets a company export an entry again (the hub does so to
    write back a corrected reference). A re-exported entry stays `EXPORTED` while its new job
    runs, so a job that ends without it leaves it as it was.
    """
    now = timezone.now()
    Company.objects.select_for_update().filter(pk=company.pk).first()  # one creator at a time
    expire_idle_jobs(now=now, company=company)
    if ExportJob.objects.filter(company=company, status__in=UNFINISHED_JOB_STATUSES).exists():
        raise ExportAlreadyInProgress()
    exportable = ["QUEUED"] if entry_ids is None else ["QUEUED", "EXPORTED"]
    queued = AccountingEntry.objects.filter(
        company=company, export_status__in=exportable, deleted_at__isnull=True
    )
    if entry_ids is not None:
        wanted = set(entry_ids)
        queued = queued.filter(uuid__in=wanted)
        found = set(queued.values_list("uuid", flat=True))
        if found != wanted:
            missing = ", ".join(sorted(str(entry_id) for entry_id in wanted - found)[:5])
            raise BadRequest(
                f"Accounting entries neither queued nor exported in this company: {missing}."
            )
    currencies = set(queued.values_list("wallet_currency", flat=True).distinct())
    _check_contra_accounts(company, currencies | {company.currency})
    entry_pks = list(queued.values_list("pk", flat=True))
    if not entry_pks:
        raise NothingToExport()
    job = ExportJob.objects.create(
        company=company,
        created_at=now,
        last_updated_at=now,
        created_by=created_by,
        is_interactive=is_interactive,
        vendor_based_bookkeeping=vendor_based_bookkeeping,
        number_of_items=len(entry_pks),
    )
    for start in range(0, len(entry_pks), 2000):
        chunk = entry_pks[start : start + 2000]
        ExportJobItem.objects.bulk_create(ExportJobItem(job=job, entry_id=pk) for pk in chunk)
        AccountingEntry.objects.filter(pk__in=chunk, export_status="QUEUED").update(
            export_status="EXPORTING"
        )
    webhooks.send_job_created_on_commit(job)
    return job


def get_job(company: Company, job_id: uuid.UUID, *, for_update: bool = False) -> ExportJob:
    """The company's job, expired first if it has sat idle too long; 404 otherwise."""
    jobs = ExportJob.objects.select_related("company")
    if for_update:
        jobs = jobs.select_for_update()
    job = jobs.filter(company=company, uuid=job_id).first()
    if job is None:
        raise ExportNotFound()
    expire_job_if_idle(job, timezone.now())
    return job


@transaction.atomic
def apply_event(
    company: Company,
    job_id: uuid.UUID,
    event: str,
    *,
    failure_reason_type: str | None = None,
    failure_reason: str | None = None,
) -> ExportJob:
    """Move the job through its life cycle; 422 for a transition Pleo does not allow."""
    job = get_job(company, job_id, for_update=True)
    new_status = TRANSITIONS.get((job.status, event))
    if new_status is None:
        raise InvalidStatusChange()
    now = timezone.now()
    if new_status == "in_progress":
        job.status, job.started_at, job.last_updated_at = new_status, now, now
        job.save(update_fields=["status", "started_at", "last_updated_at"])
    else:
        _finish(
            job,
            new_status,
            now,
            failure_reason_type=failure_reason_type if new_status == "failed" else None,
            failure_reason=failure_reason if new_status == "failed" else None,
        )
    return job


def _finish(
    job: ExportJob,
    status: str,
    now: datetime,
    *,
    failure_reason_type: str | None = None,
    failure_reason: str | None = None,
    expired: bool = False,
) -> None:
    job.status = status
    job.completed_at = now
    job.last_updated_at = now
    job.failure_reason_type = failure_reason_type
    job.failure_reason = failure_reason
    if expired:
        job.expired_at = now
    job.save()
    # Items nobody finished cannot be exported any more; their entries go back to the queue.
    unfinished = ExportJobItem.objects.filter(job=job, status__in=UNFINISHED_ITEM_STATUSES)
    AccountingEntry.objects.filter(
        pk__in=unfinished.values("entry_id"), export_status="EXPORTING"
    ).update(export_status="QUEUED")
    unfinished.update(status="abandoned", updated_at=now)


def expire_job_if_idle(job: ExportJob, now: datetime) -> bool:
    """Fail the job with `job_expired` when it has been idle past the expiry time."""
    limit = timedelta(seconds=settings.SANDBOX_JOB_EXPIRY_SECONDS)
    if not job.is_unfinished or now - job.last_updated_at < limit:
        return False
    with transaction.atomic():
        claimed = ExportJob.objects.filter(
            pk=job.pk, status__in=UNFINISHED_JOB_STATUSES, last_updated_at=job.last_updated_at
        ).exists()
        if not claimed:
            job.refresh_from_db()
            return False
        _finish(
            job,
            "failed",
            now,
            failure_reason_type="job_expired",
            failure_reason="The export job was not updated within the expiry time limit.",
            expired=True,
        )
    return True


def expire_idle_jobs(*, now: datetime | None = None, company: Company | None = None) -> int:
    """Expire every idle unfinished job (of one company, or all); returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SANDBOX_JOB_EXPIRY_SECONDS)
    idle = ExportJob.objects.filter(status__in=UNFINISHED_JOB_STATUSES, last_updated_at__lte=cutoff)
    if company is not None:
        idle = idle.filter(company=company)
    return sum(expire_job_if_idle(job, now) for job in idle)


@transaction.atomic
def update_items(
    company: Company, job_id: uuid.UUID, updates: list[ItemUpdate]
) -> tuple[list[ExportJobItem], list[dict]]:
    """Write back item results; per-item problems are returned, not raised (Pleo's 200 + errors)."""
    job = get_job(company, job_id, for_update=True)
    if not job.is_unfinished:
        raise JobFinished()
    now = timezone.now()
    wanted = {update.entry_id for update in updates}
    existing = set(
        AccountingEntry.objects.filter(company=company, uuid__in=wanted).values_list(
            "uuid", flat=True
        )
    )
    items = {
        item.entry.uuid: item
        for item in ExportJobItem.objects.filter(job=job, entry__uuid__in=wanted)
        .select_related("entry")
        .only(*ITEM_RESULT_FIELDS, "job", "entry__uuid")
    }
    updated: dict[int, ExportJobItem] = {}
    errors: list[dict] = []
    entry_statuses: dict[int, str] = {}
    for update in updates:
        item = items.get(update.entry_id)
        if update.entry_id not in existing:
            errors_for = "ACCOUNTING_ENTRY_DOES_NOT_EXIST", "Accounting entry does not exist."
        elif item is None:
            errors_for = (
                "EXPORT_ENTRY_STATUS_UPDATE_FAILED",
                "The accounting entry is not part of this export job.",
            )
        else:
            errors_for = None
        if errors_for is not None:
            errors.append(_item_error(update, *errors_for))
            continue
        item.job = job
        item.status = update.status
        item.exported_at = update.exported_at or (now if update.status == "successful" else None)
        item.external_id = update.external_id
        item.external_url = update.external_url
        item.failure_reason = update.failure_reason
        item.failure_reason_type = update.failure_reason_type
        item.updated_at = now
        updated[item.pk] = item  # the same entry twice: its last update counts, as one by one
        entry_statuses[item.entry_id] = ENTRY_STATUS_FOR_ITEM[update.status]
    # A page of results in a few statements (Pleo takes up to 1,000 at once).
    ExportJobItem.objects.bulk_update(updated.values(), ITEM_RESULT_FIELDS, batch_size=500)
    for status in set(entry_statuses.values()):
        AccountingEntry.objects.filter(
            pk__in=[pk for pk, value in entry_statuses.items() if value == status]
        ).update(export_status=status, updated_at=now)
    job.last_updated_at = now
    job.save(update_fields=["last_updated_at"])
    return list(updated.values()), errors


ITEM_RESULT_FIELDS = [
    "status",
    "exported_at",
    "external_id",
    "external_url",
    "failure_reason",
    "failure_reason_type",
    "updated_at",
]


def _item_error(update: ItemUpdate, kind: str, message: str) -> dict:
    return {"accountingEntryId": str(update.entry_id), "type": kind, "message": message}


def open_job_for_items(company: Company, job_id: uuid.UUID | None) -> list[ExportJob]:
    """The jobs whose export items may be read: only pending/in-progress ones (else 422)."""
    if job_id is not None:
        job = get_job(company, job_id)
        if not job.is_unfinished:
            raise JobFinished("Export Job is finished and can no longer be processed.")
        jobs = [job]
    else:
        expire_idle_jobs(company=company)
        jobs = list(ExportJob.objects.filter(company=company, status__in=UNFINISHED_JOB_STATUSES))
    currencies = set(
        AccountingEntry.objects.filter(job_items__job__in=jobs)
        .values_list("wallet_currency", flat=True)
        .distinct()
    )
    _check_contra_accounts(company, currencies)
    return jobs
