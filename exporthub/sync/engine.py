"""Processing Pleo export jobs end to end: claim, start, validate, post, report, close.

One `JobRun` handles one claimed job. It streams Pleo's pages (job items and export items), so
memory stays flat in the number of items, posts each page of entries in one batch, reports results
in batches of 100 as they come (which also keeps the job from expiring), and closes the job with
exactly one final event. Pleo's latency is hidden behind the posting (see pipeline.py): the next
pages and their receipts are fetched, and results written back, while a page posts.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from exporthub.connectors.base import Connector
from exporthub.connectors.errors import ConnectorError
from exporthub.core.activity import log_activity
from exporthub.core.logcontext import log_context
from exporthub.pleo.errors import (
    ExportJobStatusUnprocessable,
    InvalidExportJobStatusChange,
    MissingContraAccounts,
    PleoError,
)
from exporthub.sync import correction_jobs, jobs
from exporthub.sync.claims import ClaimLost, claim_next_job, heartbeat, release
from exporthub.sync.items import ItemPoster
from exporthub.sync.mapping import MappingTable
from exporthub.sync.models import ExportItem, ExportJob, FailureMode, ItemStatus, JobStatus
from exporthub.sync.pipeline import Background, Receipts, pages
from exporthub.sync.queue import enqueue_processing, enqueue_processing_at
from exporthub.sync.queue_mirror import apply_job_results
from exporthub.sync.supersede import supersede_older
from exporthub.sync.wiring import open_erp, open_pleo
from exporthub.sync.writeback import WriteBack, report_results

log = logging.getLogger(__name__)
PAGE = 100
HEARTBEAT_EVERY = 5  # seconds; claims go stale after settings.SYNC_CLAIM_STALE_SECONDS


class JobLevelProblem(Exception):
    """The whole job cannot be exported; carries Pleo's job failure reason type."""

    def __init__(self, reason_type: str, reason: str):
        super().__init__(reason)
        self.reason_type = reason_type
        self.reason = reason


def process_integration(integration_id: int, worker: str) -> int:
    """Process the integration's unfinished jobs, oldest first, one at a time.

    Returns how many jobs this call worked on. Stops when no job is left, another worker holds
    one, a job could not be finished now (it is retried on the next poll), or the call used up
    its time slice (`SYNC_SLICE_SECONDS`) while another integration's job waits for a worker:
    the rest is enqueued, so that with fewer workers than integrations each makes progress in
    turn instead of waiting for whole jobs.
    """
    worked_on = 0
    while (job := claim_next_job(integration_id, worker)) is not None:
        worked_on += 1
        job_run = JobRun(job, worker)
        try:
            with log_context(job=str(job.pleo_id), integration=integration_id):
                job_run.run()
        except ClaimLost:
            log.warning("Lost the claim on %s to another worker", job)
            return worked_on
        finally:
            release(job, worker)
        if job_run.handed_back:
            # Its time slice is over: the rest of the job queues up behind other integrations'
            # work (enqueued only now that the claim is released, so any worker may take it).
            enqueue_processing(integration_id)
            return worked_on
        job.refresh_from_db(fields=["status"])
        if not job.is_finished:
            return worked_on
    return worked_on


class JobRun:
    def __init__(self, job: ExportJob, worker: str):
        self.job = job
        self.worker = worker
        self.integration = job.integration
        self.erp: Connector | None = None
        self.last_beat = time.monotonic()
        self.slice_ends = time.monotonic() + settings.SYNC_SLICE_SECONDS
        self.handed_back = False
        self.posted_any = False

    def run(self) -> None:
        with open_pleo(self.integration) as pleo:
            self.pleo = pleo
            try:
                self._run()
            except ExportJobStatusUnprocessable:
                # Pleo closed the job under us (expired, or cancelled): mirror what it says.
                jobs.refresh_from_pleo(pleo, self.job)
                self.activity("sync.job.closed_by_pleo", status=self.job.status)
            except PleoError as error:
                log.warning("Pleo call failed while processing %s: %s", self.job, error)
                self.activity("sync.job.interrupted", error=str(error))
            finally:
                if self.erp is not None:
                    self.erp.close()

    def _run(self) -> None:
        remote = jobs.refresh_from_pleo(self.pleo, self.job)
        if self.job.is_finished:
            return
        if remote.status == JobStatus.IN_PROGRESS and not self.job.started_by_hub:
            self.activity("sync.job.skipped", reason="started by another integration")
            return
        if correction_jobs.handles(self, remote):
            return
        try:
            self.erp = self.connect_erp()
            self.check_job()
        except JobLevelProblem as problem:
            self.fail_job(problem.reason_type, problem.reason)
            return
        if remote.status == JobStatus.PENDING:
            self.start()
        try:
            if not self.post_items():
                self.handed_back = True
                return
        except MissingContraAccounts as error:
            # Pleo holds the export data back until every wallet has a contra account.
            self.fail_job(
                "missing_configuration",
                f"Pleo will not hand out the entries: {error.message} Map the contra accounts "
                "in Pleo's accounting settings, then export again.",
            )
            return
        if not self.retry_due_items():
            return  # handed back until the first waiting item is due
        report_results(self.pleo, self.job, all_remaining=True)
        self.finish()

    # -- steps ---------------------------------------------------------------------------------

    def connect_erp(self) -> Connector:
        try:
            return open_erp(self.integration)
        except ConnectorError as error:
            raise self.job_problem(error, self.integration.erp_connection.name) from error

    def job_problem(self, error: ConnectorError, erp_name: str) -> JobLevelProblem:
        reason_type = error.job_reason_type or {
            "exceeded": "accounting_system_unreachable",
            "config": "invalid_configuration",
        }.get(error.failure_mode, "invalid_configuration")
        return JobLevelProblem(reason_type, f"{erp_name}: {error.message}")

    def check_job(self) -> None:
        """Job-level pre-export validation: the ERP is reachable, accepts us, is the right one."""
        try:
            self.erp.check_connection()
        except ConnectorError as error:
            raise self.job_problem(error, self.erp.label) from error
        if self.erp.uses_periods and not self.erp.open_periods():
            raise JobLevelProblem(
                "invalid_configuration",
                f"{self.erp.label} has no open accounting period; open one, then export again.",
            )
        expected = self.integration.erp_company
        if expected:
            actual = self.erp.company_name()
            if actual and actual != expected:
                raise JobLevelProblem(
                    "invalid_configuration",
                    f"This Pleo company is set up to post into ERP company {expected!r}, but "
                    f"the ERP connection reaches {actual!r}. "
                    "Fix the ERP connection or the integration.",
                )

    def start(self) -> None:
        # Recorded before the event is sent: if we crash right after sending it, the restart
        # must know the in-progress job is ours and resume it rather than leave it alone.
        ExportJob.objects.filter(pk=self.job.pk).update(started_by_hub=True)
        self.job.started_by_hub = True
        try:
            self.pleo.start_job(str(self.job.pleo_id))
        except InvalidExportJobStatusChange:
            ExportJob.objects.filter(pk=self.job.pk).update(started_by_hub=False)
            self.job.started_by_hub = False
            raise
        now = timezone.now()
        ExportJob.objects.filter(pk=self.job.pk).update(
            status=JobStatus.IN_PROGRESS, started_at=now
        )
        self.job.status, self.job.started_at = JobStatus.IN_PROGRESS, now
        self.activity(
            "sync.job.started", before={"status": "pending"}, after={"status": "in_progress"}
        )

    def beat(self) -> None:
        """Refresh the claim's heartbeat, at most every few seconds (cheap to call per item)."""
        if time.monotonic() - self.last_beat >= HEARTBEAT_EVERY:
            heartbeat(self.job, self.worker)
            self.last_beat = time.monotonic()

    def poster(self, fetch_file=None) -> ItemPoster:
        return ItemPoster(
            self.erp,
            MappingTable.for_integration(self.integration),
            fallback_to_pleo_codes=self.integration.fallback_to_pleo_codes,
            fetch_file=fetch_file or self.pleo.download_file,
        )

    def post_items(self) -> bool:
        """Stream the export items (the data layer) and post each page's open ones together;
        False when the time slice ended first (the next run goes on from where this one was).

        The job's item list (the control layer) is mirrored as the pages need it, and in full
        before the end. Fetching the next pages and receipts and writing results back happen in
        the background (see pipeline.py); the database is only used from this thread.
        """
        job_id = str(self.job.pleo_id)
        done = frozenset(
            str(entry_id)
            for entry_id in self.job.items.exclude(status=ItemStatus.PENDING).values_list(
                "accounting_entry_id", flat=True
            )
        )
        with Background(settings.SYNC_PLEO_THREADS, self.beat) as background:
            receipts = Receipts(background, self.pleo.download_file, done)
            poster = self.poster(fetch_file=receipts.fetch)
            items = JobItems(
                self.job,
                lambda offset: background.ahead(
                    pages(self.pleo.list_job_items(job_id, offset=offset), PAGE), depth=2
                ),
            )
            writeback = WriteBack(background, self.pleo, self.job)
            try:
                start = self.job.resume_offset
                finished = self.post_pages(start, background, receipts, poster, items, writeback)
                if finished and start and self._unseen().exists():
                    # Pleo's listing held open entries before the offset after all: read it all.
                    finished = self.post_pages(0, background, receipts, poster, items, writeback)
                if not finished:
                    writeback.collect()
                    return False
            except MissingContraAccounts:
                items.load_all()  # the failed job lists all its items
                raise
            items.load_all()
            writeback.collect()
        for row in self._unseen():
            poster.fail(
                row,
                "validation_failure",
                "Pleo returned no accounting data for this entry.",
                FailureMode.PERMANENT,
            )
        poster.flush()
        return True

    def post_pages(
        self,
        offset: int,
        background: Background,
        receipts: Receipts,
        poster: ItemPoster,
        items: JobItems,
        writeback: WriteBack,
    ) -> bool:
        """Post the export items from the `offset`-th on, a page at a time; False when the time
        slice ended first. Moves the job's `resume_offset` past every page that is all done, as
        long as every page before it was too."""
        listing = self.pleo.list_export_item_payloads(str(self.job.pleo_id), offset=offset)
        payload_pages = background.ahead(receipts.prefetching(pages(listing, PAGE)))
        settled = True
        for page in payload_pages:
            items.load_for(page)
            rows = self.post_page(poster, page, writeback)
            if rows is None:
                return False
            receipts.forget(page)
            settled = (
                settled
                and len(rows) == len(page)
                and all(row.status != ItemStatus.PENDING for row in rows)
            )
            if settled:
                offset += len(page)
                self.job.resume_offset = offset  # kept by any later save of the job too
                ExportJob.objects.filter(pk=self.job.pk).update(resume_offset=offset)
        return True

    def _unseen(self):
        """Open items whose export item Pleo has not shown this hub (no payload)."""
        return self.job.items.filter(status=ItemStatus.PENDING, payload__isnull=True)

    def post_page(
        self, poster: ItemPoster, page: list[dict], writeback: WriteBack
    ) -> list[ExportItem] | None:
        """Post the page's open items; returns the page's rows, or None (nothing done) when
        they would start after the time slice ended and this run has already posted something."""
        if not page:
            return []
        rows = {
            str(row.accounting_entry_id): row
            for row in self.job.items.filter(
                accounting_entry_id__in=[
                    raw.get("accountingEntryId")
                    for raw in page
                    if _is_uuid(raw.get("accountingEntryId"))
                ]
            ).select_related("job")
        }
        open_rows = []
        for raw in page:
            row = rows.get(str(raw.get("accountingEntryId")))
            if row is None:
                log.warning(
                    "Export item %r is not in job %s",
                    raw.get("accountingEntryId"),
                    self.job.pleo_id,
                )
                continue
            if row.status == ItemStatus.PENDING:
                row.payload = raw
                open_rows.append(row)
        if open_rows and self.posted_any and self.slice_over():
            return None
        self.posted_any = self.posted_any or bool(open_rows)
        poster.process_many(open_rows)
        self.beat()
        poster.flush()
        writeback.report([row.pk for row in rows.values()])
        return list(rows.values())

    def slice_over(self) -> bool:
        """The time slice has ended and another integration's job waits for a worker."""
        now = time.monotonic()
        if now < self.slice_ends:
            return False
        waiting = (
            ExportJob.objects.unfinished()
            .filter(claimed_by="", integration__enabled=True)
            .exclude(integration_id=self.integration.pk)
            .exists()
        )
        if not waiting:
            self.slice_ends = now + 1  # nobody waits: go on, and look again in a second
        return waiting

    def retry_due_items(self) -> bool:
        """Retry the items whose next attempt is due; True when no item is left waiting.

        Nothing sleeps here: items a transient ERP error put off until their `next_attempt_at`
        are left for a one-off task at the earliest of those times, and the worker moves on.
        Items due now are retried at once, in at most `SYNC_MAX_ATTEMPTS` passes.
        """
        poster = self.poster()
        waiting = self.job.items.filter(status=ItemStatus.PENDING)
        for _ in range(settings.SYNC_MAX_ATTEMPTS):
            due = waiting.filter(
                Q(next_attempt_at__lte=timezone.now()) | Q(next_attempt_at__isnull=True)
            ).select_related("job")
            rows = list(due.order_by("id")[:PAGE])
            if not rows:
                break
            while rows:
                poster.process_many(rows)
                self.beat()
                poster.flush()
                rows = list(due.filter(id__gt=rows[-1].pk).order_by("id")[:PAGE])
            report_results(self.pleo, self.job, all_remaining=False)
        next_due = waiting.aggregate(first=Min("next_attempt_at"))["first"]
        if next_due is None and not waiting.exists():
            return True
        when = max(next_due or timezone.now(), timezone.now())
        enqueue_processing_at(self.integration.pk, when)
        self.activity("sync.job.retry_scheduled", at=when.isoformat(), waiting=waiting.count())
        return False

    def finish(self) -> None:
        self.job.recount()
        event = (
            JobStatus.COMPLETED if self.job.items_failed == 0 else JobStatus.COMPLETED_WITH_ERRORS
        )
        self.pleo.complete_job(
            str(self.job.pleo_id), with_errors=event == JobStatus.COMPLETED_WITH_ERRORS
        )
        now = timezone.now()
        ExportJob.objects.filter(pk=self.job.pk).update(
            status=event, completed_at=now, final_event_sent_at=now
        )
        apply_job_results(self.job)
        self.activity(
            "sync.job.finished",
            before={"status": "in_progress"},
            after={"status": str(event)},
            successful=self.job.items_successful,
            failed=self.job.items_failed,
        )
        self.job.status = event

    def fail_job(self, reason_type: str, reason: str) -> None:
        """End the job with a `failed` event; nothing was posted for it."""
        self.pleo.fail_job(str(self.job.pleo_id), reason_type=reason_type, reason=reason)
        now = timezone.now()
        with transaction.atomic():
            ExportJob.objects.filter(pk=self.job.pk).update(
                status=JobStatus.FAILED,
                failure_reason=reason,
                failure_reason_type=reason_type,
                completed_at=now,
                final_event_sent_at=now,
            )
            self.job.items.filter(status__in=[ItemStatus.PENDING, ItemStatus.IN_PROGRESS]).update(
                status=ItemStatus.ABANDONED
            )
        self.job.status = JobStatus.FAILED
        self.job.recount()
        apply_job_results(self.job)
        self.activity(
            "sync.job.failed", after={"status": "failed"}, reason_type=reason_type, reason=reason
        )

    def activity(self, action: str, **data) -> None:
        log_activity(
            action,
            actor_label=f"worker {self.worker}",
            company_id=self.job.company_id,
            obj=self.job,
            **data,
        )


class JobItems:
    """Mirrors the job's item list (Pleo's job-item pages) into rows, as far as pages need it.

    Rows are made from the head of Pleo's list on, in its order, so a resumed run lists from
    the first item without a row; should that miss items (the list not in one order after all),
    it reads the list again from the start."""

    def __init__(self, job: ExportJob, listing: Callable[[int], Iterator[list]]):
        self.job = job
        self.listing = listing
        self.start = job.items.count()
        self.remote_pages = listing(self.start)
        self.done = False

    def load_for(self, page: list[dict]) -> None:
        """Load job-item pages until every entry of this export-item page has its row."""
        if self.done:
            return
        wanted = {str(raw.get("accountingEntryId")) for raw in page}
        wanted -= {
            str(entry_id)
            for entry_id in self.job.items.filter(
                accounting_entry_id__in=[value for value in wanted if _is_uuid(value)]
            ).values_list("accounting_entry_id", flat=True)
        }
        while wanted and (loaded := self._load_next()) is not None:
            wanted -= loaded

    def load_all(self) -> None:
        if not self.done and self.job.items.count() >= self.job.number_of_items > 0:
            self.done = True  # every item Pleo counts has its row (e.g. a resumed job)
            self.job.recount()
        while self._load_next() is not None:
            pass

    def _load_next(self) -> set[str] | None:
        if self.done:
            return None
        remote = next(self.remote_pages, None)
        if remote is None and self.start and self.job.items.count() < self.job.number_of_items:
            self.start = 0
            self.remote_pages = self.listing(0)
            remote = next(self.remote_pages, None)
        if remote is None:
            self.done = True
            self.job.recount()
            return None
        ExportItem.objects.bulk_create(
            [
                ExportItem(job=self.job, accounting_entry_id=item.accounting_entry_id)
                for item in remote
            ],
            ignore_conflicts=True,
        )
        entries = [item.accounting_entry_id for item in remote]
        supersede_older(self.job.integration_id, entries)  # older failures of them are history
        return {str(entry_id) for entry_id in entries}


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
