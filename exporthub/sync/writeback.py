"""Reporting item results to Pleo, at most 100 items per call, as results come in."""

from __future__ import annotations

import logging

from django.utils import timezone

from exporthub.core.activity import log_activity
from exporthub.pleo.client import PleoClient
from exporthub.pleo.schemas.jobs import ItemUpdate, ItemUpdateResult
from exporthub.sync.models import ExportItem, ExportJob, ItemStatus

log = logging.getLogger(__name__)
BATCH = 100


def item_update(item: ExportItem) -> ItemUpdate:
    """What Pleo should be told about one finished item."""
    entry_id = str(item.accounting_entry_id)
    if item.status == ItemStatus.SUCCESSFUL:
        return ItemUpdate.successful(
            entry_id,
            exported_at=item.exported_at or timezone.now(),
            external_id=item.external_id,
            external_url=item.external_url or None,
        )
    return ItemUpdate.failed(
        entry_id,
        reason=item.failure_reason[:2000] or "Export failed.",
        reason_type=item.failure_reason_type or "unexpected_failure",
    )


def report_results(
    pleo: PleoClient, job: ExportJob, *, all_remaining: bool, among: list[int] | None = None
) -> int:
    """Send unreported results in batches of 100; with `all_remaining`, also a last short batch.

    `among` limits the search to those rows (the page just processed), so reporting a page does
    not scan a large job's items; the final `all_remaining` call sweeps up everything else,
    including results a crashed run recorded but never sent. Returns how many items Pleo
    accepted. Items Pleo rejects individually are logged and marked reported too (retrying the
    same update cannot succeed), so the job can still close.
    """
    unreported = job.items.unreported()
    if among is not None:
        unreported = unreported.filter(pk__in=among)
    sent = 0
    while True:
        batch = list(unreported.order_by("id")[:BATCH])
        if not batch or (len(batch) < BATCH and not all_remaining):
            return sent
        result = pleo.update_job_items(str(job.pleo_id), [item_update(item) for item in batch])
        sent += record_report(job, batch, result)


def record_report(job: ExportJob, batch: list[ExportItem], result: ItemUpdateResult) -> int:
    """Mark the batch reported after Pleo answered; returns how many items Pleo accepted."""
    rejected = {str(error.accounting_entry_id): error for error in result.errors}
    for error in rejected.values():
        log.warning("Pleo rejected the result of item %s: %s", error.accounting_entry_id, error)
        log_activity(
            "sync.item.report_rejected",
            actor_label="engine",
            company_id=job.company_id,
            obj=job,
            entry=error.accounting_entry_id,
            error_type=str(error.type),
            message=error.message,
        )
    ExportItem.objects.filter(pk__in=[item.pk for item in batch]).update(reported_at=timezone.now())
    return len(batch) - len(rejected)


class WriteBack:
    """A page's results sent to Pleo beside the posting of the next page.

    One update is in flight at a time. The rows are read and marked reported on the calling
    thread (after Pleo answered); only the HTTP request runs in the background. A crash before
    the answer leaves the rows unreported, and they are sent again (the last write per entry
    wins at Pleo).
    """

    def __init__(self, background, pleo: PleoClient, job: ExportJob):
        self.background = background
        self.pleo = pleo
        self.job = job
        self._in_flight = None

    def report(self, among: list[int]) -> None:
        """Send the unreported results among these rows (at most one page of them)."""
        self.collect()
        batch = list(self.job.items.unreported().filter(pk__in=among).order_by("id")[:BATCH])
        if not batch:
            return
        updates = [item_update(item) for item in batch]
        future = self.background.submit(
            self.pleo.update_job_items, str(self.job.pleo_id), updates, stream=True
        )
        self._in_flight = (future, batch)

    def collect(self) -> None:
        """Wait for the update in flight, if any, and record Pleo's answer (raises its error)."""
        if self._in_flight is None:
            return
        future, batch = self._in_flight
        self._in_flight = None
        record_report(self.job, batch, self.background.wait(future))
