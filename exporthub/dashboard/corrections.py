"""Accountants' corrections to an export item, written back to Pleo before they count here."""

from __future__ import annotations

from django.utils import timezone

from exporthub.core.activity import log_activity
from exporthub.pleo.errors import ExportJobStatusUnprocessable, PleoError
from exporthub.pleo.schemas.jobs import ItemUpdate
from exporthub.sync.models import ExportItem, ItemStatus
from exporthub.sync.wiring import open_pleo


class CorrectionRefused(Exception):
    """The change was not made (Pleo refused it, or it makes no sense for this item)."""


def correct_external_reference(
    item: ExportItem, *, external_id: str, external_url: str, user
) -> None:
    """Change an exported item's external id and URL, in Pleo first, then here; logged."""
    if item.status != ItemStatus.SUCCESSFUL:
        raise CorrectionRefused("Only an exported item has an external reference to correct.")
    before = {"external_id": item.external_id, "external_url": item.external_url}
    after = {"external_id": external_id, "external_url": external_url}
    update = ItemUpdate.successful(
        str(item.accounting_entry_id),
        external_id=external_id,
        external_url=external_url or None,
        exported_at=item.exported_at,
    )
    _send(item, update, "dashboard.item.reference_corrected", user, before=before, after=after)
    item.external_id, item.external_url, item.reported_at = (
        external_id,
        external_url,
        timezone.now(),
    )
    item.save(update_fields=["external_id", "external_url", "reported_at", "updated_at"])


def mark_exported_manually(
    item: ExportItem, *, external_id: str, external_url: str, reason: str, user
) -> None:
    """Record that someone booked the entry by hand: Pleo is told it is exported; logged."""
    if item.status == ItemStatus.SUCCESSFUL:
        raise CorrectionRefused("This item is already exported.")
    now = timezone.now()
    update = ItemUpdate.successful(
        str(item.accounting_entry_id),
        external_id=external_id,
        external_url=external_url or None,
        exported_at=now,
    )
    before = {"status": item.status, "failure_reason": item.failure_reason}
    after = {"status": "successful", "external_id": external_id, "external_url": external_url}
    _send(item, update, "dashboard.item.marked_exported", user, before, after, reason=reason)
    item.status = ItemStatus.SUCCESSFUL
    item.external_id, item.external_url = external_id, external_url
    item.exported_at = item.reported_at = now
    item.failure_reason = item.failure_reason_type = item.failure_mode = ""
    item.next_attempt_at = None
    item.save()
    item.job.recount()


def _send(item: ExportItem, update: ItemUpdate, action: str, user, before, after, **data) -> None:
    job = item.job
    context = {"company_id": job.company_id, "obj": item, "job": job.pk, **data}
    try:
        with open_pleo(job.integration) as pleo:
            result = pleo.update_job_items(str(job.pleo_id), [update])
    except ExportJobStatusUnprocessable as error:
        log_activity(f"{action}.refused", actor=user, error=str(error), after=after, **context)
        raise CorrectionRefused(
            "Pleo accepts changes to an item only while its export job is running, and this "
            f"job is {job.status.replace('_', ' ')}. Nothing was changed, here or in Pleo."
        ) from error
    except PleoError as error:
        log_activity(f"{action}.refused", actor=user, error=str(error), after=after, **context)
        raise CorrectionRefused(f"Pleo did not accept the change: {error}") from error
    if result.errors:
        message = "; ".join(error.message or str(error.type) for error in result.errors)
        log_activity(f"{action}.refused", actor=user, error=message, after=after, **context)
        raise CorrectionRefused(f"Pleo refused the change: {message}")
    log_activity(action, actor=user, before=before, after=after, **context)
