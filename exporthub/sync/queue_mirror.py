"""Mirroring Pleo's export queue (entries waiting to be exported) into `QueuedEntry` rows.

Pleo is the authority; the mirror exists so the dashboard can filter, sort and page 100,000
entries from indexed columns. A refresh pages through Pleo's accounting-entries search, upserts
every entry it sees and deletes the rows Pleo no longer lists. Pre-flight problems (an account or
tax code without mapping, a closed period, an entry that did not balance) are computed here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from exporthub.pleo.errors import PleoPayloadError
from exporthub.pleo.schemas.entries import AccountingEntry
from exporthub.pleo.schemas.export_item import ExportItem as PleoExportItem
from exporthub.sync.day_totals import entry_dates_of, recount_queue
from exporthub.sync.item_summary import posting_date
from exporthub.sync.mapping import MappingTable
from exporthub.sync.mapping_health import ErpRecords
from exporthub.sync.models import ExportItem, Integration, Mapping, QueuedEntry
from exporthub.sync.posting import UnpostableItem, build_journal_entry
from exporthub.sync.wiring import open_erp, open_pleo

MIRRORED_STATUSES = ("QUEUED", "EXPORTING")
BATCH = 500
NO_ACCOUNT = "00000000-0000-0000-0000-000000000000"
UPDATED_FIELDS = [
    "company_id",
    "export_status",
    "family",
    "sub_family",
    "review_status",
    "performed_at",
    "bookkeeping_date",
    "amount_minor",
    "currency",
    "account_id",
    "account_code",
    "tax_code_id",
    "tax_code",
    "entry_date",
    "category_name",
    "supplier",
    "employee",
    "note",
    "receipt_count",
    "problems",
    "last_failure_reason_type",
    "refreshed_at",
]


class Preflight:
    """The checks an entry must pass before export, with everything they need loaded once.

    Mappings are resolved by the one resolver (sync/mapping.py) that posting uses, and the
    resolved ERP values are checked against the ERP's cached master data where it was fetched.
    """

    def __init__(self, integration: Integration, periods: list | None = None):
        self.mappings = MappingTable.for_integration(integration)
        self.fallback = integration.fallback_to_pleo_codes
        self.records = ErpRecords.for_integration(integration)
        self.periods = periods or []

    def problems(self, row: QueuedEntry, payload: dict | None = None) -> str:
        found = []
        account = row.account_id if row.account_id != NO_ACCOUNT else ""
        if not self._maps(Mapping.Kind.ACCOUNT, row.account_code, account):
            found.append("account")
        if row.tax_code_id and not self._maps(Mapping.Kind.TAX_CODE, row.tax_code, row.tax_code_id):
            found.append("tax_code")
        day = (row.bookkeeping_date or row.performed_at).date()
        if self.periods and not any(p.start <= day <= p.end for p in self.periods):
            found.append("period")
        if payload is not None and self._unbalanced(payload):
            found.append("unbalanced")
        return " ".join(found)

    def _maps(self, kind: str, code: str, identifier: str) -> bool:
        sent = (code, identifier) if code or identifier else ()
        found = self.mappings.resolve(kind, sent, code=code, fallback=self.fallback)
        return found.resolved and self.records.status(kind, found.erp_key) in ("ok", None)

    def _unbalanced(self, payload: dict) -> bool:
        try:
            item = PleoExportItem.from_json(payload)
            build_journal_entry(item, self.mappings, fallback_to_pleo_codes=self.fallback)
        except UnpostableItem as problem:
            return problem.unbalanced
        except (PleoPayloadError, ValueError):  # a malformed old payload says nothing of balance
            return False
        return False

    def failure_fixed(self, item: ExportItem) -> bool:
        """Whether every cause an earlier failure recorded (as data) is fixed by the mappings
        now; a problem that is not about a mapping is never fixed here."""
        problems = item.failure_problems or [
            {
                "mapping_kind": item.failure_mapping_kind,
                "pleo_key": item.failure_pleo_key,
                "erp_key": item.failure_erp_key,
            }
        ]
        return all(
            self.mappings.fixes(
                problem.get("mapping_kind", ""),
                problem.get("pleo_key", ""),
                problem.get("erp_key", ""),
            )
            for problem in problems
        )


def refresh_export_queue(integration: Integration, progress=None) -> int:
    """Rewrite the integration's mirror from Pleo's queue; returns how many entries it holds.

    Entries Pleo no longer lists as queued or exporting are removed. Pleo errors propagate and
    leave the previous mirror untouched. `progress(n)` hears the running count after each batch.
    """
    started = timezone.now()
    with open_erp(integration) as erp:
        periods = erp.open_periods()
    preflight = Preflight(integration, periods)
    seen = 0
    try:
        with open_pleo(integration) as pleo:
            tax_codes = {code.id: code.code or "" for code in pleo.list_tax_codes()}
            account_names = {account.id: account.name for account in pleo.list_accounts()}
            entries = pleo.search_accounting_entries(export_statuses=MIRRORED_STATUSES)
            batch: list[AccountingEntry] = []
            for entry in entries:
                batch.append(entry)
                if len(batch) >= BATCH:
                    seen += _upsert(
                        integration, batch, tax_codes, account_names, preflight, started
                    )
                    batch = []
                    if progress is not None:
                        progress(seen)
            seen += _upsert(integration, batch, tax_codes, account_names, preflight, started)
        integration.queued_entries.filter(refreshed_at__lt=started).delete()
    finally:  # the batches written so far count, also when Pleo fails midway
        recount_queue(integration)
    return seen


def recheck_preflight(integration: Integration, progress=None) -> int:
    """Recompute the stored pre-flight problems after mappings changed (no call to Pleo), and
    drop "failed before" where the mapping that failure named now resolves.

    Returns how many rows changed; `progress(n)` hears how many rows were checked, now and then.
    """
    preflight = Preflight(integration)
    changed = []
    rows = integration.queued_entries.only(
        "id",
        "entry_id",
        "account_id",
        "account_code",
        "tax_code_id",
        "tax_code",
        "problems",
        "performed_at",
        "bookkeeping_date",
        "last_failure_reason_type",
    )
    checked = 0
    for chunk in _chunks(rows.iterator(chunk_size=2000), 2000):
        checked += len(chunk)
        if progress is not None:
            progress(checked)
        failed = [row.entry_id for row in chunk if row.last_failure_reason_type]
        history = _last_items(integration, failed) if failed else {}
        for row in chunk:
            kept = [p for p in row.problem_list if p in ("period", "unbalanced")]
            problems = " ".join([*preflight.problems(row).split(), *kept])
            last = history.get(str(row.entry_id))
            cleared = last is not None and last.status == "failed" and preflight.failure_fixed(last)
            if problems != row.problems or cleared:
                row.problems = problems
                if cleared:
                    row.last_failure_reason_type = ""
                changed.append(row)
    QueuedEntry.objects.bulk_update(
        changed, ["problems", "last_failure_reason_type"], batch_size=1000
    )
    recount_queue(integration)
    return len(changed)


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _upsert(
    integration: Integration,
    entries: Iterable[AccountingEntry],
    tax_codes: dict[str, str],
    account_names: dict[str, str],
    preflight: Preflight,
    now: dt.datetime,
) -> int:
    entries = list(entries)
    if not entries:
        return 0
    history = _last_items(integration, [entry.id for entry in entries])
    rows = []
    for entry in entries:
        last = history.get(entry.id)
        row = _row(integration, entry, tax_codes, account_names, last, now)
        row.problems = preflight.problems(row, last.payload if last else None)
        rows.append(row)
    with transaction.atomic():
        QueuedEntry.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["integration", "entry_id"],
            update_fields=UPDATED_FIELDS,
        )
    return len(rows)


def _last_items(integration: Integration, entry_ids: list[str]) -> dict[str, ExportItem]:
    """The newest export item per entry, if the entry was in one of our jobs before."""
    found: dict[str, ExportItem] = {}
    items = ExportItem.objects.filter(
        job__integration=integration, accounting_entry_id__in=entry_ids
    ).only(
        "accounting_entry_id",
        "status",
        "failure_reason_type",
        "failure_mapping_kind",
        "failure_pleo_key",
        "failure_erp_key",
        "failure_problems",
        "payload",
        "supplier",
        "category_name",
        "employee",
    )
    for item in items.order_by("id"):
        found[str(item.accounting_entry_id)] = item
    return found


def _row(
    integration: Integration,
    entry: AccountingEntry,
    tax_codes: dict[str, str],
    account_names: dict[str, str],
    last: ExportItem | None,
    now: dt.datetime,
) -> QueuedEntry:
    """The mirror row of one entry. Pleo's accounting entries carry no supplier, category name or
    employee name: the category name comes from Pleo's chart of accounts, the others from the
    newest export item the entry was in (empty for an entry never exported)."""
    total = entry.total_bill_value or entry.transaction_value
    account_id = entry.account_id or ""
    return QueuedEntry(
        integration=integration,
        company_id=entry.company_id,
        entry_id=entry.id,
        export_status=str(entry.export_status),
        family=str(entry.family),
        sub_family=entry.sub_family or "",
        review_status=str(entry.review_status),
        performed_at=entry.performed_at,
        bookkeeping_date=entry.bookkeeping_date,
        entry_date=posting_date(entry.bookkeeping_date or entry.performed_at),
        amount_minor=total.minor_units,
        currency=total.currency,
        account_id=account_id,
        account_code=entry.account_code or "",
        tax_code_id=entry.tax_code_id or "",
        tax_code=tax_codes.get(entry.tax_code_id or "", ""),
        category_name=(account_names.get(account_id) or (last.category_name if last else ""))[:255],
        supplier=last.supplier if last else "",
        employee=last.employee if last else "",
        note=(entry.note or "")[:500],
        receipt_count=len(entry.receipt_ids),
        last_failure_reason_type=(
            last.failure_reason_type if last is not None and last.status == "failed" else ""
        ),
        refreshed_at=now,
    )


def record_export_request(integration: Integration, entry_ids: Iterable[str]) -> None:
    """The entries went into a new export job: show them as exporting until results come."""
    requested = integration.queued_entries.filter(entry_id__in=list(entry_ids))
    days = entry_dates_of(requested)
    requested.update(export_status="EXPORTING")
    recount_queue(integration, days)


def apply_job_results(job) -> None:
    """Bring the mirror in line with a job's results without asking Pleo: exported entries
    leave the queue, failed and abandoned ones go back to it (as Pleo does)."""
    items = job.items.all()
    days = entry_dates_of(
        job.integration.queued_entries.filter(entry_id__in=items.values("accounting_entry_id"))
    )
    done = items.filter(status="successful").values("accounting_entry_id")
    job.integration.queued_entries.filter(entry_id__in=done).delete()
    for status in ("failed", "abandoned"):
        rows = items.filter(status=status)
        for reason_type in set(rows.values_list("failure_reason_type", flat=True)):
            ids = rows.filter(failure_reason_type=reason_type).values("accounting_entry_id")
            job.integration.queued_entries.filter(entry_id__in=ids).update(
                export_status="QUEUED", last_failure_reason_type=reason_type or status
            )
    recount_queue(job.integration, days)
