"""Accountants' corrections to export items: a new external reference, or a manual mark.

While the item's job runs, the change goes into that job directly (Pleo accepts item results
only then). Once the job has finished, it becomes a correction that travels to Pleo in a
correction job (`sync/corrections.py`). Either way nothing is posted to the ERP.

Who writes an item's status: the engine owns every item it has not finished and reported; the
dashboard changes only items the engine is done with, so the two never write one item at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.utils import timezone
from django.utils.translation import gettext as _

from exporthub.core.activity import log_activity
from exporthub.pleo.errors import ExportJobStatusUnprocessable, PleoError
from exporthub.pleo.schemas.jobs import ItemUpdate
from exporthub.sync import corrections
from exporthub.sync.correction_models import Correction, CorrectionKind
from exporthub.sync.jobs import refresh_from_pleo
from exporthub.sync.models import ExportItem, Integration, ItemStatus
from exporthub.sync.wiring import open_pleo

# Items the engine has not finished with: it alone writes them (see the module docstring).
UNFINISHED = (ItemStatus.PENDING, ItemStatus.IN_PROGRESS)


class CorrectionRefused(Exception):
    """The change was not made (Pleo refused it, or it makes no sense for this item)."""


@dataclass(frozen=True)
class Outcome:
    """What became of a correction: applied in the running job, or recorded for a correction
    job (`correction`), possibly unchanged because the same one was asked for already."""

    kind: str
    applied: bool = False
    correction: Correction | None = None
    unchanged: bool = False


def send_corrections(integrations: Iterable[Integration], *, user) -> list[corrections.Sent]:
    """Send each integration's pending corrections in one correction job."""
    return [corrections.send_pending(integration, user=user) for integration in integrations]


def correct(
    item: ExportItem,
    *,
    kind: str,
    external_id: str,
    external_url: str,
    reason: str = "",
    user,
    send: bool = True,
) -> Outcome:
    """Apply a correction of either kind (`CorrectionKind`): into the item's running job, or
    recorded for a correction job (sent now unless `send=False`); the reason is kept for a
    manual mark only."""
    if kind != CorrectionKind.MANUAL:
        reason = ""
    item.refresh_from_db()
    running = not item.job.is_finished
    if running and (item.status in UNFINISHED or item.reported_at is None):
        raise CorrectionRefused(
            _("The hub is exporting this entry right now. Wait for its result, then correct it.")
        )
    try:
        corrections.check_correctable(item, kind)
        if running:
            applied = _apply_in_running_job(item, kind, external_id, external_url, reason, user)
            if applied is not None:
                return applied
        recorded = corrections.request_correction(
            item,
            kind=kind,
            external_id=external_id,
            external_url=external_url,
            reason=reason,
            user=user,
        )
    except corrections.CorrectionNotAllowed as refused:
        raise CorrectionRefused(str(refused)) from refused
    if send and not recorded.unchanged:
        corrections.send_pending(item.job.integration, user=user)
        recorded.correction.refresh_from_db()
    return Outcome(kind, correction=recorded.correction, unchanged=recorded.unchanged)


# Change an exported item's external id and URL in Pleo; logged with before and after.
correct_external_reference = partial(correct, kind=CorrectionKind.REFERENCE)
# Record that someone booked the entry by hand (with a reason): Pleo is told it is exported.
mark_exported_manually = partial(correct, kind=CorrectionKind.MANUAL)


def _apply_in_running_job(item, kind, external_id, external_url, reason, user) -> Outcome | None:
    """Write the change into the item's running job; None when Pleo says the job has ended."""
    if kind == CorrectionKind.REFERENCE:
        if (item.external_id, item.external_url) == (external_id, external_url):
            return Outcome(kind, applied=True, unchanged=True)
        before = corrections.reference_of(item)
        after = {"external_id": external_id, "external_url": external_url}
        exported_at, action = item.exported_at, "dashboard.item.reference_corrected"
    else:
        before = corrections.state_of(item)
        after = {"status": "successful", "external_id": external_id, "external_url": external_url}
        exported_at, action = timezone.now(), "dashboard.item.marked_exported"
    update = ItemUpdate.successful(
        str(item.accounting_entry_id),
        external_id=external_id,
        external_url=external_url or None,
        exported_at=exported_at,
    )
    job = item.job
    context = {"company_id": job.company_id, "obj": item, "job": job.pk, "reason": reason}
    try:
        with open_pleo(job.integration) as pleo:
            try:
                result = pleo.update_job_items(str(job.pleo_id), [update])
            except ExportJobStatusUnprocessable:
                refresh_from_pleo(pleo, job)  # it ended meanwhile: a correction job takes it
                return None
    except PleoError as error:
        log_activity(f"{action}.refused", actor=user, error=str(error), after=after, **context)
        raise CorrectionRefused(
            _("Pleo did not accept the change: %(error)s") % {"error": error}
        ) from error
    if result.errors:
        message = "; ".join(error.message or str(error.type) for error in result.errors)
        log_activity(f"{action}.refused", actor=user, error=message, after=after, **context)
        raise CorrectionRefused(_("Pleo refused the change: %(error)s") % {"error": message})
    changes = {
        "external_id": external_id,
        "external_url": external_url,
        "reported_at": timezone.now(),
    }
    if kind == CorrectionKind.MANUAL:
        changes.update(
            status=ItemStatus.SUCCESSFUL,
            exported_at=exported_at,
            failure_reason="",
            failure_reason_type="",
            failure_mode="",
            next_attempt_at=None,
        )
    # Only the state the engine finished with is overwritten (it never goes back to it).
    ExportItem.objects.filter(pk=item.pk, status=item.status).update(
        **changes, updated_at=timezone.now()
    )
    if kind == CorrectionKind.MANUAL:
        job.recount()
    log_activity(action, actor=user, before=before, after=after, **context)
    return Outcome(kind, applied=True)
