"""Posting one export item into the ERP, exactly once, and recording the outcome on its row.

A page of entries goes to the connector together (`post_many`). Exactly once: connectors look
every entry up by Pleo id before they write it, and outcomes are saved in batches of a page. A
crash anywhere leaves either nothing posted, or postings the next run finds instead of creating
them a second time.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from exporthub.connectors.base import Connector, ExternalRef, JournalEntry
from exporthub.connectors.errors import ConnectorError, RetryableError
from exporthub.connectors.journal_json import entry_to_json as posting_as_json
from exporthub.core.errors import report_exception
from exporthub.core.http_urls import is_http_url
from exporthub.core.logcontext import log_context
from exporthub.core.signals import external_calls
from exporthub.pleo.errors import PleoPayloadError
from exporthub.pleo.schemas.export_item import ExportItem as PleoExportItem
from exporthub.sync.item_summary import SUMMARY_FIELDS, apply_summary
from exporthub.sync.mapping import MappingTable, Resolution
from exporthub.sync.models import ExportItem, FailureMode, ItemStatus, Mapping
from exporthub.sync.posting import PostingProblem, UnpostableItem, build_journal_entry

log = logging.getLogger(__name__)
# The longest wait an ERP's Retry-After may ask for (beyond SYNC_RETRY_MAX_DELAY_SECONDS).
MAX_RETRY_AFTER = timedelta(hours=1)


# What an outcome changes on a row, written in batches together with the payload and posting.
RESULT_FIELDS = [
    "status", "external_id", "external_url", "exported_at",
    "next_attempt_at", "failure_reason", "failure_reason_type", "failure_mode", "error_detail",
    "reported_at", "attempts", "updated_at",
    "failure_mapping_kind", "failure_pleo_key", "failure_pleo_label", "failure_erp_key",
    "failure_problems",
]  # fmt: skip
SAVED_FIELDS = [*RESULT_FIELDS, *SUMMARY_FIELDS, "payload", "posting"]


class ItemPoster:
    """Turns rows + Pleo payloads into ERP postings for one job run."""

    def __init__(
        self,
        erp: Connector,
        mappings: MappingTable,
        *,
        fallback_to_pleo_codes: bool,
        fetch_file=None,
    ):
        self.erp = erp
        self.mappings = mappings
        self.fallback_to_pleo_codes = fallback_to_pleo_codes
        self.fetch_file = fetch_file
        self.max_attempts = settings.SYNC_MAX_ATTEMPTS
        self._unsaved: dict[int, ExportItem] = {}
        # ERP calls since the last flush, (operation, outcome) -> [count, seconds], for /metrics.
        self._calls: defaultdict[tuple[str, str], list] = defaultdict(lambda: [0, 0.0])

    def _save(self, row: ExportItem) -> None:
        """Queue the row's outcome for the next `flush()`.

        Batching is safe for exactly-once: an outcome lost in a crash before the flush is
        recovered by `find()` on the next run, which never posts the entry a second time.
        """
        self._unsaved[row.pk] = row

    def flush(self) -> None:
        """Write the queued outcomes in one round trip (call before reading rows back).

        One prepared UPDATE run for every row (`executemany`): Django's `bulk_update` builds a
        CASE expression per field and row, which costs more than the statements it saves.
        """
        if not self._unsaved:
            return
        now = timezone.now()
        fields = [ExportItem._meta.get_field(name) for name in SAVED_FIELDS]
        quote = connection.ops.quote_name
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        sql = f"UPDATE {quote(ExportItem._meta.db_table)} SET {assignments} WHERE id = %s"
        params = []
        for row in self._unsaved.values():
            row.updated_at = now
            values = [field.get_db_prep_save(getattr(row, field.attname), connection)
                      for field in fields]  # fmt: skip
            params.append([*values, row.pk])
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        self._unsaved.clear()
        if self._calls:
            calls = {key: (count, seconds) for key, (count, seconds) in self._calls.items()}
            self._calls.clear()
            external_calls.send(sender=type(self), target="erp", calls=calls)

    def _timed(self, operation: str, call, *args):
        """Run one ERP call, counting it and its time by outcome for the next flush."""
        started = time.monotonic()
        outcome = "error"
        try:
            result = call(*args)
            outcome = "ok"
            return result
        except RetryableError:
            outcome = "retryable"
            raise
        except ConnectorError:
            outcome = "refused"
            raise
        finally:
            tally = self._calls[(operation, outcome)]
            tally[0] += 1
            tally[1] += time.monotonic() - started

    def process(self, row: ExportItem) -> None:
        """Post the row's payload (already stored on it) unless it is finished or not yet due."""
        self.process_many([row])

    def process_many(self, rows: list[ExportItem]) -> None:
        """Post the rows' payloads together (one `post_many` call), recording each outcome.

        Rows that are finished or not yet due are left alone; rows whose entry cannot be built
        or that the ERP's validation refuses fail one by one, before anything is written.
        """
        ready: list[tuple[ExportItem, JournalEntry]] = []
        for row in rows:
            with log_context(item=str(row.accounting_entry_id)):
                entry = self._prepare(row)
            if entry is not None:
                ready.append((row, entry))
        if ready:
            self.post_many(ready)

    def _prepare(self, row: ExportItem) -> JournalEntry | None:
        """The row's journal entry, ready to post; None when there is nothing to post (the
        row is finished, not due, or has just been failed)."""
        if row.status in (ItemStatus.SUCCESSFUL, ItemStatus.FAILED, ItemStatus.ABANDONED):
            return None
        if not row.is_due():
            return None
        try:
            item = PleoExportItem.from_json(row.payload, where=f"job {row.job.pleo_id}")
        except PleoPayloadError as error:
            self.fail(
                row,
                "validation_failure",
                f"Pleo sent a malformed export item: {error}",
                FailureMode.PERMANENT,
            )
            return None
        apply_summary(row, item)
        trace: list[Resolution] = []
        try:
            entry = build_journal_entry(
                item,
                self.mappings,
                fallback_to_pleo_codes=self.fallback_to_pleo_codes,
                fetch_file=self.fetch_file,
                trace=trace,
                batch_key=str(row.job.pleo_id),
            )
        except UnpostableItem as problem:
            self.fail(
                row,
                problem.reason_type,
                str(problem),
                FailureMode.CONFIG,
                problems=problem.problems,
            )
            return None
        row.posting = posting_as_json(entry)
        errors = self.erp.validate(entry)
        if errors:
            first = errors[0]
            self.fail(
                row,
                first.reason_type,
                " ".join(str(error) for error in errors),
                first.failure_mode,
                detail=first.detail,
                problems=[problem_from_error(error, trace) for error in errors],
            )
            return None
        return entry

    def post_many(self, ready: list[tuple[ExportItem, JournalEntry]]) -> None:
        """Write the entries through the connector's batch path and record each result.

        Every entry sent uses up one attempt. A connector error raised for the whole batch is
        every entry's result. Should the batch call break otherwise (a bug or an answer nobody
        knows), the entries are posted one by one instead, each recorded as
        `post()` leaves it: connectors are idempotent, so what the batch did write is found,
        not written twice.
        """
        for row, _entry in ready:
            row.attempts += 1
        entries = [entry for _row, entry in ready]
        try:
            results = self._timed("post_many", self.erp.post_many, entries)
            if len(results) != len(entries):
                raise TypeError(
                    f"post_many answered {len(results)} results for {len(entries)} entries"
                )
        except ConnectorError as error:  # the whole batch, e.g. the ERP cannot be reached
            results = [error] * len(ready)
        except Exception:
            if len(ready) > 1:
                log.exception(
                    "Posting a batch of %d entries failed; posting one by one", len(ready)
                )
            results = [None] * len(ready)
        for (row, entry), result in zip(ready, results, strict=True):
            with log_context(item=str(row.accounting_entry_id)):
                if result is None:
                    self.post(row, entry)
                elif isinstance(result, RetryableError):
                    self.retry_later(row, result)
                elif isinstance(result, ConnectorError):
                    self.fail_refused(row, result)
                else:
                    self.succeed(row, result)

    def post(self, row: ExportItem, entry: JournalEntry) -> None:
        """Post one entry with `post()` (its attempt already counted) and record the outcome."""
        try:
            ref = self._timed("post", self.erp.post, entry)
        except RetryableError as error:
            self.retry_later(row, error)
        except ConnectorError as error:
            self.fail_refused(row, error)
        except Exception as error:  # a bug or an unknown ERP answer: record it, keep going
            log.exception("Unexpected error posting item %s", row.accounting_entry_id)
            report_exception()
            self.fail(
                row,
                "unexpected_failure",
                f"An unexpected error stopped this entry: {type(error).__name__}. "
                "The operator can see the details.",
                FailureMode.INTERNAL,
                detail=traceback.format_exc(),
            )
        else:
            self.succeed(row, ref)

    def fail_refused(self, row: ExportItem, error: ConnectorError) -> None:
        self.fail(
            row,
            error.reason_type,
            error.message,
            error.failure_mode,
            detail=error.detail,
            problems=[problem_from_error(error)],
        )

    def retry_later(self, row: ExportItem, error: RetryableError) -> None:
        if row.attempts >= self.max_attempts:
            self.fail(
                row,
                error.reason_type,
                f"{error.message} (gave up after {row.attempts} attempts)",
                FailureMode.EXCEEDED,
                detail=error.detail,
            )
            return
        delay = min(
            self.erp.retry_delay(row.attempts),
            timedelta(seconds=settings.SYNC_RETRY_MAX_DELAY_SECONDS),
        )
        if error.retry_after is not None:  # the system said when (Retry-After): not before then
            delay = max(delay, min(timedelta(seconds=error.retry_after), MAX_RETRY_AFTER))
        row.next_attempt_at = timezone.now() + delay
        row.failure_reason = error.message
        row.failure_reason_type = error.reason_type
        row.error_detail = error.detail
        self._save(row)

    def succeed(self, row: ExportItem, ref: ExternalRef) -> None:
        row.status = ItemStatus.SUCCESSFUL
        row.external_id = ref.id
        # A link only when it is one (http/https): it is shown on pages and sent to Pleo.
        row.external_url = ref.url if is_http_url(ref.url) else ""
        row.exported_at = timezone.now()
        row.next_attempt_at = None
        row.failure_reason = row.failure_reason_type = row.failure_mode = row.error_detail = ""
        row.failure_mapping_kind = row.failure_pleo_key = row.failure_pleo_label = ""
        row.failure_erp_key = ""
        row.failure_problems = []
        row.reported_at = None
        self._save(row)

    def fail(
        self,
        row: ExportItem,
        reason_type: str,
        reason: str,
        mode: str,
        *,
        detail: str = "",
        problems: list[PostingProblem] | None = None,
    ) -> None:
        """Record the failure; its problems as data (the first in the row's columns, for grouping
        and linking to the fix, all of them in `failure_problems`)."""
        problems = problems or [PostingProblem(reason_type, reason)]
        first = problems[0]
        row.status = ItemStatus.FAILED
        row.failure_reason = reason
        row.failure_reason_type = reason_type
        row.failure_mode = mode
        row.failure_mapping_kind = first.mapping_kind
        row.failure_pleo_key = first.pleo_key[:255]
        row.failure_pleo_label = first.pleo_label[:255]
        row.failure_erp_key = first.erp_key[:255]
        row.failure_problems = [problem.as_dict() for problem in problems]
        row.error_detail = detail
        row.next_attempt_at = None
        row.reported_at = None
        self._save(row)


def problem_from_error(error: ConnectorError, trace: list[Resolution] = ()) -> PostingProblem:
    """A connector error as a problem; the Pleo value behind the refused ERP key comes from the
    mapping resolutions made for the entry (`trace`), when one led there."""
    kinds = {
        Mapping.Kind.ACCOUNT: (Mapping.Kind.ACCOUNT, Mapping.Kind.CONTRA_ACCOUNT),
    }.get(error.mapping_kind, (error.mapping_kind,))
    source = next(
        (
            found
            for found in trace
            if error.erp_key and found.kind in kinds and found.erp_key == error.erp_key
        ),
        None,
    )
    return PostingProblem(
        error.reason_type,
        error.message,
        mapping_kind=source.kind if source else error.mapping_kind,
        pleo_key=source.pleo_key if source else "",
        pleo_label=source.pleo_label if source else "",
        erp_key=error.erp_key,
    )
