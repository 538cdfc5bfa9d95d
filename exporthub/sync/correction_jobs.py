"""Processing a correction job: write corrected results back to Pleo, post nothing to the ERP.

A correction job is a normal Pleo export job the hub created for pending corrections
(`sync/corrections.py`); the engine recognises it by the corrections that name its id and hands
it here (`handles`). For each entry: a reference correction needs the ERP's `find()` to confirm
the posting exists, and is then written back with the corrected externalId/externalUrl; a manual
mark is written back as the accountant asserted it. Nothing is ever posted. The job closes with
one final event, like any other.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exporthub.connectors.errors import ConnectorError
from exporthub.core.activity import log_activity
from exporthub.pleo.schemas.jobs import ExportJob as PleoExportJob
from exporthub.pleo.schemas.jobs import ItemUpdate
from exporthub.sync.correction_models import Correction, CorrectionKind, CorrectionState
from exporthub.sync.corrections import awaiting_link, newer_item
from exporthub.sync.item_summary import SUMMARY_FIELDS
from exporthub.sync.models import ExportItem, ItemStatus, JobStatus

log = logging.getLogger(__name__)


def handles(run, remote: PleoExportJob) -> bool:
    """Process the run's job here if it is a correction job; True when the engine must stop.

    Also True (doing nothing) for a young non-interactive job while corrections are being sent
    and not yet linked to their job: it may be theirs, and must never be exported as entries.
    """
    job = run.job
    corrections = Correction.objects.filter(
        integration_id=job.integration_id, pleo_job_id=job.pleo_id
    )
    in_job = None
    if not corrections.exists() and (in_job := link_orphan(run)):
        corrections = corrections.all()
    if not corrections.exists():
        if awaiting_link(job):
            run.activity("sync.job.deferred", reason="a correction job is being linked")
            return True
        return False
    CorrectionRun(run, remote, in_job).run()
    return True


def link_orphan(run) -> set[str] | None:
    """Link a non-interactive job to the open corrections of exactly its entries; the job's
    entries (as read from Pleo) if so, else None.

    Pleo may create a correction job and the hub never hear its id (a timeout, a crash before
    the id was stored). Such a job must never be exported as entries: an entry marked by hand
    has no posting `find()` would see, so it would be posted again. Every entry of the job
    having an open, unlinked correction is what makes it ours.
    """
    job = run.job
    if job.is_interactive or job.started_by_hub:
        return None
    open_corrections = Correction.objects.filter(
        integration_id=job.integration_id,
        state__in=[CorrectionState.PENDING, CorrectionState.SENT],
        pleo_job_id__isnull=True,
    )
    if not open_corrections.exists():
        return None
    entries = job_entries(run)
    ours = open_corrections.filter(accounting_entry_id__in=entries)
    if not entries or ours.count() != len(entries):
        return None
    ours.update(
        pleo_job_id=job.pleo_id, job=job, state=CorrectionState.SENT, sent_at=timezone.now()
    )
    run.activity("sync.correction_job.linked", corrections=len(entries))
    return entries


def job_entries(run) -> set[str]:
    """The accounting entry ids of the run's job, as Pleo lists its items."""
    items = run.pleo.list_job_items(str(run.job.pleo_id))
    return {str(item.accounting_entry_id) for item in items}


class CorrectionRun:
    def __init__(self, run, remote: PleoExportJob, in_job: set[str] | None = None):
        self.run_ = run
        self.remote = remote
        self.job = run.job
        self.in_job = in_job  # the job's entries, when already read from Pleo

    def run(self) -> None:
        from exporthub.sync.engine import JobLevelProblem  # the engine imports this module

        corrections = list(
            Correction.objects.filter(
                integration_id=self.job.integration_id,
                pleo_job_id=self.job.pleo_id,
                state=CorrectionState.SENT,
            ).select_related("item__job")
        )
        Correction.objects.filter(pk__in=[c.pk for c in corrections]).update(job=self.job)
        erp = None
        if any(c.kind == CorrectionKind.REFERENCE for c in corrections):
            try:
                erp = self.run_.erp = self.run_.connect_erp()
            except JobLevelProblem as problem:
                self.run_.fail_job(problem.reason_type, problem.reason)
                for correction in corrections:
                    self.fail(correction, problem.reason)
                return
        if self.remote.status == JobStatus.PENDING:
            self.run_.start()
        in_job = self.in_job if self.in_job is not None else job_entries(self.run_)
        updates: dict[str, ItemUpdate] = {}
        confirmed: list[Correction] = []
        for correction in corrections:
            entry = str(correction.accounting_entry_id)
            later = newer_item(correction.item)
            problem = self.problem(correction, entry, in_job, erp, later)
            if problem:
                self.fail(correction, problem)
                current = self.current(correction, later)
                if entry in in_job and current is not None:
                    updates[entry] = self.unchanged(entry, current)  # Pleo keeps what it has
                continue
            updates[entry] = self.update(correction)
            confirmed.append(correction)
        rejected = {}
        if updates:
            result = self.run_.pleo.update_job_items(str(self.job.pleo_id), updates.values())
            rejected = {str(error.accounting_entry_id): error for error in result.errors}
        for correction in confirmed:
            error = rejected.get(str(correction.accounting_entry_id))
            if error is not None:
                message = error.message or str(error.type)
                self.fail(correction, _("Pleo refused it: %(message)s") % {"message": message})
            else:
                self.confirm(correction)
        self.record_job_items(corrections, updates, rejected)
        self.run_.finish()

    def problem(
        self, correction: Correction, entry: str, in_job: set[str], erp, later: ExportItem | None
    ) -> str:
        """Why this correction cannot be written back, or "" (`later`: a later export of the
        entry, see `newer_item`)."""
        if entry not in in_job:
            return _("Pleo did not put this entry into the correction job.")
        if later is not None:
            return _("The entry was exported again meanwhile; nothing was changed.")
        if correction.kind == CorrectionKind.MANUAL:
            return ""
        try:
            ref = erp.find(entry)
        except ConnectorError as error:
            return _("The ERP could not be asked whether the posting exists: %(error)s") % {
                "error": error.message
            }
        if ref is None:
            return _(
                "%(erp)s has no posting for this Pleo entry, so its reference cannot be "
                "corrected. Nothing was changed, in Pleo or in the ERP."
            ) % {"erp": erp.label}
        correction.erp_external_id = ref.id
        return ""

    def update(self, correction: Correction) -> ItemUpdate:
        item = correction.item
        exported_at = item.exported_at if correction.kind == CorrectionKind.REFERENCE else None
        return ItemUpdate.successful(
            str(correction.accounting_entry_id),
            external_id=correction.external_id,
            external_url=correction.external_url or None,
            exported_at=exported_at or timezone.now(),
        )

    @staticmethod
    def current(correction: Correction, later: ExportItem | None) -> ExportItem | None:
        """The export that holds the entry's reference now: a later one, else the corrected
        item, if it was exported; None when nothing exported the entry."""
        item = later or correction.item
        return item if item.status == ItemStatus.SUCCESSFUL else None

    def unchanged(self, entry: str, item: ExportItem) -> ItemUpdate:
        return ItemUpdate.successful(
            entry,
            external_id=item.external_id,
            external_url=item.external_url or None,
            exported_at=item.exported_at or timezone.now(),
        )

    def confirm(self, correction: Correction) -> None:
        now = timezone.now()
        item = correction.item
        with transaction.atomic():
            item.external_id, item.external_url = correction.external_id, correction.external_url
            item.reported_at = now
            if correction.kind == CorrectionKind.MANUAL:
                item.status = ItemStatus.SUCCESSFUL
                item.exported_at = now
                item.failure_reason = item.failure_reason_type = item.failure_mode = ""
                item.failure_mapping_kind = item.failure_pleo_key = item.failure_pleo_label = ""
                item.failure_erp_key = item.error_detail = ""
                item.failure_problems = []
                item.next_attempt_at = None
            item.save()
            correction.state = CorrectionState.CONFIRMED
            correction.finished_at = now
            correction.save(update_fields=["state", "finished_at", "erp_external_id", "updated_at"])
        if correction.kind == CorrectionKind.MANUAL:
            item.job.recount()
        log_activity(
            "sync.correction.confirmed",
            actor_label=f"worker {self.run_.worker}",
            company_id=self.job.company_id,
            obj=item,
            before=correction.before,
            after=correction.after,
            correction=correction.pk,
            kind=correction.kind,
            requested_by=correction.requested_by_label,
            reason=correction.reason,
            job=self.job.pk,
        )

    def fail(self, correction: Correction, reason: str) -> None:
        Correction.objects.filter(pk=correction.pk).update(
            state=CorrectionState.FAILED, failure_reason=reason, finished_at=timezone.now()
        )
        correction.state, correction.failure_reason = CorrectionState.FAILED, reason
        log_activity(
            "sync.correction.failed",
            actor_label=f"worker {self.run_.worker}",
            company_id=self.job.company_id,
            obj=correction.item,
            before=correction.before,
            after=correction.after,
            correction=correction.pk,
            kind=correction.kind,
            error=reason,
            job=self.job.pk,
        )

    def record_job_items(self, corrections, updates: dict[str, ItemUpdate], rejected) -> None:
        """Mirror the correction job's items, named like the items they correct."""
        now = timezone.now()
        rows = []
        for correction in corrections:
            entry = str(correction.accounting_entry_id)
            sent = updates.get(entry)
            row = ExportItem(job=self.job, accounting_entry_id=correction.accounting_entry_id)
            for name in SUMMARY_FIELDS:
                setattr(row, name, getattr(correction.item, name))
            if sent is not None and entry not in rejected:
                row.status = ItemStatus.SUCCESSFUL
                row.external_id = sent.external_id or ""
                row.external_url = sent.external_url or ""
                row.exported_at = sent.exported_at
                row.reported_at = now
            else:
                row.status = ItemStatus.FAILED
                row.failure_reason = correction.failure_reason
                row.failure_reason_type = "unexpected_failure"
            rows.append(row)
        with transaction.atomic():  # a resumed run rewrites the rows of what it redid
            ExportItem.objects.filter(
                job=self.job, accounting_entry_id__in=[row.accounting_entry_id for row in rows]
            ).delete()
            ExportItem.objects.bulk_create(rows)
