"""Corrections of finished jobs: recorded here, then sent to Pleo as one correction job.

`request_correction` records what the accountant asked for (idempotent: the same request twice
changes nothing; a different one replaces a correction that is still pending). `send_pending`
puts every pending correction of an integration into ONE non-interactive Pleo export job; the
engine then writes the corrected results back in it (see `sync/correction_jobs.py`).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exporthub.core.activity import log_activity
from exporthub.pleo.errors import ExportAlreadyInProgress, PleoClientError, PleoError
from exporthub.sync.correction_models import (
    OPEN_CORRECTION_STATES,
    Correction,
    CorrectionKind,
    CorrectionState,
)
from exporthub.sync.jobs import record_job
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus
from exporthub.sync.queue import enqueue_processing
from exporthub.sync.wiring import open_pleo

log = logging.getLogger(__name__)
MAX_PER_JOB = 1000
# A correction taken for a job but not yet linked to it (the hub is between "create the job" and
# "remember its id"). The engine leaves young non-interactive jobs alone meanwhile.
LINKING_GRACE = timedelta(minutes=5)


class CorrectionNotAllowed(Exception):
    """The correction makes no sense for this item; nothing was recorded."""


@dataclass(frozen=True)
class Recorded:
    correction: Correction
    created: bool = False
    replaced: bool = False

    @property
    def unchanged(self) -> bool:
        return not (self.created or self.replaced)


@dataclass(frozen=True)
class Sent:
    """The result of `send_pending`: the correction job, or why the corrections still wait."""

    job: ExportJob | None
    corrections: int = 0
    waiting_reason: str = ""


def reference_of(item: ExportItem) -> dict:
    return {"external_id": item.external_id, "external_url": item.external_url}


def state_of(item: ExportItem) -> dict:
    return {"status": item.status, **reference_of(item), "failure_reason": item.failure_reason}


def check_correctable(item: ExportItem, kind: str) -> None:
    """Refuse corrections that make no sense (raises `CorrectionNotAllowed`)."""
    if kind == CorrectionKind.REFERENCE and item.status != ItemStatus.SUCCESSFUL:
        raise CorrectionNotAllowed(_("Only an exported item has an external reference to correct."))
    if kind == CorrectionKind.MANUAL and item.status not in (
        ItemStatus.FAILED,
        ItemStatus.ABANDONED,
    ):
        if item.status == ItemStatus.SUCCESSFUL:
            raise CorrectionNotAllowed(_("This item is already exported."))
        raise CorrectionNotAllowed(_("Only a failed item can be marked as exported manually."))
    if newer_item(item) is not None:
        raise CorrectionNotAllowed(
            _("This entry was exported again in a later job; correct its latest export instead.")
        )


def newer_item(item: ExportItem) -> ExportItem | None:
    """A later export of the same entry outside correction jobs (it decides the entry's state)."""
    return (
        ExportItem.objects.filter(
            job__integration_id=item.job.integration_id,
            accounting_entry_id=item.accounting_entry_id,
            id__gt=item.pk,
        )
        .exclude(job__corrections__isnull=False)
        .order_by("-id")
        .first()
    )


def request_correction(
    item: ExportItem,
    *,
    kind: str,
    external_id: str,
    external_url: str = "",
    reason: str = "",
    user=None,
) -> Recorded:
    """Record a correction of an item whose job has finished; logged with before and after."""
    check_correctable(item, kind)
    integration_id = item.job.integration_id
    if kind == CorrectionKind.REFERENCE:
        before = reference_of(item)
        after = {"external_id": external_id, "external_url": external_url}
    else:
        before = state_of(item)
        after = {
            "status": ItemStatus.SUCCESSFUL.value,
            "external_id": external_id,
            "external_url": external_url,
        }
    after_reference = (external_id, external_url)
    context = {"company_id": item.job.company_id, "obj": item, "kind": kind, "reason": reason}
    with transaction.atomic():
        # The item's row is the lock: two requests for one entry (a double click) queue here,
        # and the second finds the first one's correction instead of creating another.
        ExportItem.objects.select_for_update().filter(pk=item.pk).first()
        open_ones = list(
            Correction.objects.select_for_update()
            .filter(
                integration_id=integration_id,
                accounting_entry_id=item.accounting_entry_id,
                state__in=OPEN_CORRECTION_STATES,
            )
            .order_by("-id")
        )
        latest = open_ones[0] if open_ones else None
        if latest is not None and latest.asks_for(kind, external_id, external_url):
            return Recorded(latest)
        current = (item.external_id, item.external_url)
        if latest is None and kind == CorrectionKind.REFERENCE and current == after_reference:
            raise CorrectionNotAllowed(
                _("The item already has this reference; nothing to correct.")
            )
        pending = next((c for c in open_ones if c.state == CorrectionState.PENDING), None)
        if pending is not None:
            replaced = {"external_id": pending.external_id, "external_url": pending.external_url}
            pending.item, pending.kind, pending.reason = item, kind, reason
            pending.external_id, pending.external_url = external_id, external_url
            pending.before, pending.after = before, after
            pending.requested_by = user if getattr(user, "pk", None) else None
            pending.requested_by_label = _label(user)
            pending.save()
            log_activity(
                "sync.correction.replaced",
                actor=user,
                before=replaced,
                after=after,
                correction=pending.pk,
                **context,
            )
            return Recorded(pending, replaced=True)
        try:
            with transaction.atomic():
                correction = Correction.objects.create(
                    integration_id=integration_id,
                    item=item,
                    accounting_entry_id=item.accounting_entry_id,
                    kind=kind,
                    external_id=external_id,
                    external_url=external_url,
                    reason=reason,
                    requested_by=user if getattr(user, "pk", None) else None,
                    requested_by_label=_label(user),
                    before=before,
                    after=after,
                )
        except IntegrityError:  # a concurrent request recorded one first (SQLite has no row lock)
            return Recorded(
                Correction.objects.filter(
                    integration_id=integration_id,
                    accounting_entry_id=item.accounting_entry_id,
                    state__in=OPEN_CORRECTION_STATES,
                ).latest("id")
            )
        log_activity(
            "sync.correction.requested",
            actor=user,
            before=before,
            after=after,
            correction=correction.pk,
            **context,
        )
    return Recorded(correction, created=True)


def send_pending(integration: Integration, *, user=None) -> Sent:
    """Put the integration's pending corrections into one non-interactive Pleo export job.

    The corrections are claimed first (pending → sent, with a batch token), so two senders never
    put one correction into two jobs. If Pleo does not create the job (another export is running,
    or refused) they go back to pending and are sent when the integration is next processed
    (`send_waiting`). When Pleo gave no answer they stay sent until the engine links the job it
    may have created, or LINKING_GRACE has passed without one.
    """
    unanswered = Correction.objects.filter(
        integration=integration,
        state=CorrectionState.SENT,
        pleo_job_id__isnull=True,
        sent_at__lt=timezone.now() - LINKING_GRACE,
    )
    _give_back(list(unanswered))
    busy = Correction.objects.filter(integration=integration, state=CorrectionState.SENT).values(
        "accounting_entry_id"
    )
    candidates = list(
        Correction.objects.filter(integration=integration, state=CorrectionState.PENDING)
        .exclude(accounting_entry_id__in=busy)
        .order_by("id")
        .values_list("pk", flat=True)[:MAX_PER_JOB]
    )
    if not candidates:
        return Sent(None)
    token = uuid.uuid4()
    Correction.objects.filter(
        pk__in=candidates, state=CorrectionState.PENDING, batch__isnull=True
    ).update(state=CorrectionState.SENT, batch=token, sent_at=timezone.now())
    batch = list(Correction.objects.filter(batch=token).select_related("item__job"))
    if not batch:
        return Sent(None)
    connection = integration.pleo_connection
    try:
        with open_pleo(integration) as pleo:
            remote = pleo.create_job(
                [str(c.accounting_entry_id) for c in batch],
                company_id=str(connection.company_id),
                is_interactive=False,
            )
    except ExportAlreadyInProgress:
        _give_back(batch)
        return Sent(
            None,
            waiting_reason=_(
                "Pleo is running another export for this company; the correction is sent "
                "as soon as it has finished."
            ),
        )
    except PleoClientError as error:  # refused: Pleo created nothing
        log.warning("Creating a correction job for %s failed: %s", integration, error)
        _give_back(batch)
        return Sent(
            None,
            waiting_reason=_(
                "Pleo did not create the correction job (%(error)s); it is sent again later."
            )
            % {"error": error},
        )
    except PleoError as error:
        # No answer (a timeout, a server error): Pleo may have created the job. The
        # corrections stay sent; the engine links the job by its entries when it sees it
        # (correction_jobs.link_orphan), or they go out again once LINKING_GRACE has passed.
        log.warning("Creating a correction job for %s got no answer: %s", integration, error)
        return Sent(
            None,
            waiting_reason=_(
                "Pleo did not create the correction job (%(error)s); it is sent again later."
            )
            % {"error": error},
        )
    job, _created = record_job(integration, remote)
    Correction.objects.filter(batch=token).update(pleo_job_id=remote.id, job=job)
    log_activity(
        "sync.correction_job.requested",
        actor=user,
        company_id=job.company_id,
        obj=job,
        corrections=len(batch),
    )
    for correction in batch:
        log_activity(
            "sync.correction.sent",
            actor=user,
            company_id=job.company_id,
            obj=correction.item,
            correction=correction.pk,
            job=job.pk,
        )
    enqueue_processing(integration.pk)
    return Sent(job, corrections=len(batch))


def send_waiting(integration_id: int) -> Sent:
    """Send corrections that wait, once the integration has no export running (task hook)."""
    integration = Integration.objects.select_related("pleo_connection").get(pk=integration_id)
    waiting = Correction.objects.filter(integration=integration, state=CorrectionState.PENDING)
    if not waiting.exists() or integration.jobs.unfinished().exists():
        return Sent(None)
    return send_pending(integration)


def awaiting_link(job: ExportJob) -> bool:
    """Whether a new non-interactive job may be a correction job the hub has not linked yet."""
    if job.is_interactive or job.started_by_hub:
        return False
    return Correction.objects.filter(
        integration_id=job.integration_id,
        state=CorrectionState.SENT,
        pleo_job_id__isnull=True,
        sent_at__gt=timezone.now() - LINKING_GRACE,
    ).exists()


def _give_back(batch: list[Correction]) -> None:
    """Return claimed corrections to pending, unless a newer one for the entry replaced them."""
    for correction in batch:
        replaced = Correction.objects.filter(
            integration_id=correction.integration_id,
            accounting_entry_id=correction.accounting_entry_id,
            state=CorrectionState.PENDING,
        ).exists()
        if replaced:
            Correction.objects.filter(pk=correction.pk).update(
                state=CorrectionState.FAILED,
                failure_reason=_("Replaced by a newer correction."),
                finished_at=timezone.now(),
                batch=None,
            )
        else:
            Correction.objects.filter(pk=correction.pk).update(
                state=CorrectionState.PENDING, batch=None, sent_at=None
            )


def _label(user) -> str:
    return user.get_username() if getattr(user, "pk", None) else "system"
