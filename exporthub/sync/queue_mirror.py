"""Mirroring Pleo's export queue (entries waiting to be exported) into `QueuedEntry` rows.

Pleo is the authority; the mirror exists so the dashboard can filter, sort and page 100,000
entries from indexed columns. A refresh pages through Pleo's accounting-entries search, upserts
every entry it sees and deletes the rows Pleo no longer lists. Pre-flight problems (an account or
tax code without mapping, a closed period, an entry that did not balance) are computed here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from exporthub.pleo.errors import PleoPayloadError
from exporthub.pleo.schemas.entries import AccountingEntry
from exporthub.pleo.schemas.export_item import ExportItem as PleoExportItem
from exporthub.sync.mapping import MappingTable
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
    "supplier",
    "note",
    "receipt_count",
    "problems",
    "last_failure_reason_type",
    "refreshed_at",
]


class Preflight:
    """The checks an entry must pass before export, with everything they need loaded once."""

    def __init__(self, integration: Integration, periods: list | None = None):
        self.mappings = MappingTable.for_integration(integration)
        self.fallback = integration.fallback_to_pleo_codes
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
        if not code and not identifier:
            return False
        return bool(self.mappings.resolve(kind, code, identifier) or (self.fallback and code))

    def _unbalanced(self, payload: dict) -> bool:
        try:
            item = PleoExportItem.from_json(payload)
            build_journal_entry(item, self.mappings, fallback_to_pleo_codes=self.fallback)
        except UnpostableItem as problem:
            return any("does not balance" in p.message for p in problem.problems)
        except (PleoPayloadError, ValueError):  # a malformed old payload says nothing of balance
            return False
        return False


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
    with open_pleo(integration) as pleo:
        tax_codes = {code.id: code.code or "" for code in pleo.list_tax_codes()}
        entries = pleo.search_accounting_entries(export_statuses=MIRRORED_STATUSES)
        batch: list[AccountingEntry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= BATCH:
                seen += _upsert(integration, batch, tax_codes, preflight, started)
                batch = []
                if progress is not None:
                    progress(seen)
        seen += _upsert(integration, batch, tax_codes, preflight, started)
    integration.queued_entries.filter(refreshed_at__lt=started).delete()
    return seen


def recheck_preflight(integration: Integration, progress=None) -> int:
    """Recompute the stored pre-flight problems after mappings changed (no call to Pleo).

    Returns how many rows changed; `progress(n)` hears how many rows were checked, now and then.
    """
    preflight = Preflight(integration)
    changed = []
    rows = integration.queued_entries.only(
        "id",
        "account_id",
        "account_code",
        "tax_code_id",
        "tax_code",
        "problems",
        "performed_at",
        "bookkeeping_date",
    )
    for checked, row in enumerate(rows.iterator(chunk_size=2000), start=1):
        if progress is not None and checked % 2000 == 0:
            progress(checked)
        kept = [p for p in row.problem_list if p in ("period", "unbalanced")]
        problems = " ".join([*preflight.problems(row).split(), *kept])
        if problems != row.problems:
            row.problems = problems
            changed.append(row)
    QueuedEntry.objects.bulk_update(changed, ["problems"], batch_size=1000)
    return len(changed)


def _upsert(
    integration: Integration,
    entries: Iterable[AccountingEntry],
    tax_codes: dict[str, str],
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
        row = _row(integration, entry, tax_codes, last, now)
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
    ).only("accounting_entry_id", "status", "failure_reason_type", "payload")
    for item in items.order_by("id"):
        found[str(item.accounting_entry_id)] = item
    return found


def _row(
    integration: Integration,
    entry: AccountingEntry,
    tax_codes: dict[str, str],
    last: ExportItem | None,
    now: dt.datetime,
) -> QueuedEntry:
    total = entry.total_bill_value or entry.transaction_value
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
        amount_minor=total.minor_units,
        currency=total.currency,
        account_id=entry.account_id or "",
        account_code=entry.account_code or "",
        tax_code_id=entry.tax_code_id or "",
        tax_code=tax_codes.get(entry.tax_code_id or "", ""),
        supplier=_supplier(last.payload if last else None),
        note=(entry.note or "")[:500],
        receipt_count=len(entry.receipt_ids),
        last_failure_reason_type=(
            last.failure_reason_type if last is not None and last.status == "failed" else ""
        ),
        refreshed_at=now,
    )


def _supplier(payload: dict | None) -> str:
    """Pleo's accounting entries carry no supplier name; an earlier export item does."""
    if not payload:
        return ""
    for key in ("vendor", "supplier"):
        name = (payload.get(key) or {}).get("name")
        if name:
            return str(name)[:255]
    return ""


def record_export_request(integration: Integration, entry_ids: Iterable[str]) -> None:
    """The entries went into a new export job: show them as exporting until results come."""
    integration.queued_entries.filter(entry_id__in=list(entry_ids)).update(
        export_status="EXPORTING"
    )


def apply_job_results(job) -> None:
    """Bring the mirror in line with a job's results without asking Pleo: exported entries
    leave the queue, failed and abandoned ones go back to it (as Pleo does)."""
    items = job.items.all()
    done = items.filter(status="successful").values("accounting_entry_id")
    job.integration.queued_entries.filter(entry_id__in=done).delete()
    for status in ("failed", "abandoned"):
        rows = items.filter(status=status)
        for reason_type in set(rows.values_list("failure_reason_type", flat=True)):
            ids = rows.filter(failure_reason_type=reason_type).values("accounting_entry_id")
            job.integration.queued_entries.filter(entry_id__in=ids).update(
                export_status="QUEUED", last_failure_reason_type=reason_type or status
            )
