"""Three-way reconciliation: is what the hub reported `successful` still true in Pleo and in the
ERP?

For every entry the hub exported (in a period, or all), a run checks:

* the ERP still has the posting (`Connector.read_postings`, else `find()`), under the same
  reference, with the same date and the same net amount on each account as the posting the hub
  sent (`ExportItem.posting`) — else *missing in the ERP* or *changed in the ERP*;
* Pleo still shows the entry exported in that job with the same `externalId` — else *reference
  differs in Pleo*;
* and, the other way round, every entry Pleo shows as exported is one the hub exported — else
  *exported in Pleo but unknown to the hub* (exported by hand, or by another integration).

Discrepancies are rows (`reconciliation_models.py`), one per entry and kind: found again, a row is
updated (an acknowledged one stays acknowledged); not found again, it is resolved. A run is slow
work for a worker; it reads the ERP and Pleo in pages.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from exporthub.connectors.base import Connector, PostedEntry
from exporthub.connectors.errors import ConnectorError
from exporthub.core.activity import log_activity
from exporthub.pleo.client import PleoClient
from exporthub.pleo.errors import PleoError, PleoNotFound
from exporthub.sync.actions import create_export_job
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus
from exporthub.sync.reconciliation_models import (
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyState,
    ReconciliationRun,
    RunState,
)
from exporthub.sync.wiring import open_erp, open_pleo

log = logging.getLogger(__name__)
PAGE = 200


@dataclass(frozen=True)
class Finding:
    entry_id: str
    kind: str
    detail: dict
    item_id: int | None = None


@dataclass
class Exported:
    """What the hub knows of one exported entry: its newest successful item (whose job Pleo
    must agree with), and its newest item that was posted (what the ERP must still hold)."""

    latest: ExportItem
    posted: ExportItem | None


def exported_entries(integration: Integration, run: ReconciliationRun) -> dict[str, Exported]:
    items = (
        ExportItem.objects.filter(job__integration=integration, status=ItemStatus.SUCCESSFUL)
        .select_related("job")
        .only(
            "accounting_entry_id", "external_id", "posting", "entry_date", "job__pleo_id",
            "job__pleo_created_at",
        )
        .order_by("accounting_entry_id", "-job__pleo_created_at", "-pk")
    )  # fmt: skip
    if run.period_start:
        items = items.filter(entry_date__gte=run.period_start)
    if run.period_end:
        items = items.filter(entry_date__lte=run.period_end)
    found: dict[str, Exported] = {}
    for item in items.iterator(chunk_size=2000):
        key = str(item.accounting_entry_id)
        known = found.get(key)
        if known is None:
            found[key] = Exported(item, item if item.posting else None)
        elif known.posted is None and item.posting:
            known.posted = item
    return found


def reconcile(run: ReconciliationRun) -> ReconciliationRun:
    """Do the run's checks and record what they found (a worker calls this)."""
    integration = run.integration
    ReconciliationRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING)
    try:
        entries = exported_entries(integration, run)
        findings: list[Finding] = []
        with open_erp(integration) as erp:
            findings += erp_findings(erp, entries)
        with open_pleo(integration) as pleo:
            findings += pleo_findings(pleo, entries)
            unknown = unknown_findings(pleo, integration, run)
            findings += unknown
    except (ConnectorError, PleoError) as error:
        message = getattr(error, "message", None) or str(error)
        log.warning("Reconciling %s failed: %s", integration, message)
        run.state, run.error, run.finished_at = RunState.FAILED, message, timezone.now()
        run.save(update_fields=["state", "error", "finished_at"])
        return run
    checked = set(entries) | {finding.entry_id for finding in unknown}
    record(run, findings, checked)
    wrong = {finding.entry_id for finding in findings}
    by_month: dict[str, int] = defaultdict(int)
    for entry_id, known in entries.items():
        if entry_id not in wrong and known.latest.entry_date:
            by_month[known.latest.entry_date.strftime("%Y-%m")] += 1
    run.checked = len(entries)
    run.verified = sum(by_month.values())
    run.verified_by_month = dict(by_month)
    run.found = integration.discrepancies.filter(state=DiscrepancyState.OPEN).count()
    run.state, run.finished_at = RunState.DONE, timezone.now()
    run.save(
        update_fields=["checked", "verified", "verified_by_month", "found", "state", "finished_at"]
    )
    return run


def _pages(values: Iterable, size: int = PAGE) -> Iterator[list]:
    values = iter(values)
    while page := list(islice(values, size)):
        yield page


def erp_findings(erp: Connector, entries: dict[str, Exported]) -> list[Finding]:
    posted = {entry_id: known.posted for entry_id, known in entries.items() if known.posted}
    findings = []
    accounts: dict[str, str] = {}

    def canonical(account: str) -> str:
        if account not in accounts:
            accounts[account] = erp.canonical_account(account)
        return accounts[account]

    for page in _pages(posted):
        try:
            held = erp.read_postings(page)
        except NotImplementedError:
            held = None
        for entry_id in page:
            item = posted[entry_id]
            if held is None:  # the connector cannot read postings back: existence only
                ref = erp.find(entry_id)
                finding = _missing(item) if ref is None else _reference_changed(item, ref.id)
            else:
                now = held.get(entry_id)
                finding = _missing(item) if now is None else _changed(item, now, canonical)
            if finding is not None:
                findings.append(finding)
    return findings


def _missing(item: ExportItem) -> Finding:
    return Finding(
        str(item.accounting_entry_id),
        DiscrepancyKind.MISSING_IN_ERP,
        {"external_id": item.external_id},
        item.pk,
    )


def _reference_changed(item: ExportItem, found: str) -> Finding | None:
    if found == item.external_id:
        return None
    return Finding(
        str(item.accounting_entry_id),
        DiscrepancyKind.CHANGED_IN_ERP,
        {"reference": {"hub": item.external_id, "erp": found}},
        item.pk,
    )


def _changed(item: ExportItem, now: PostedEntry, canonical) -> Finding | None:
    sent = item.posting
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for line in sent["lines"]:
        expected[canonical(line["account"])] += Decimal(line["debit"]) - Decimal(line["credit"])
    differences = {}
    if now.ref.id != item.external_id:
        differences["reference"] = {"hub": item.external_id, "erp": now.ref.id}
    if now.date.isoformat() != sent["date"]:
        differences["date"] = {"hub": sent["date"], "erp": now.date.isoformat()}
    sent_amounts = {account: amount for account, amount in expected.items() if amount}
    held_amounts = {account: amount for account, amount in now.amounts.items() if amount}
    if sent_amounts != held_amounts:
        differences["amounts"] = {
            "hub": {account: str(amount) for account, amount in sorted(sent_amounts.items())},
            "erp": {account: str(amount) for account, amount in sorted(held_amounts.items())},
        }
    if not differences:
        return None
    return Finding(
        str(item.accounting_entry_id), DiscrepancyKind.CHANGED_IN_ERP, differences, item.pk
    )


def pleo_findings(pleo: PleoClient, entries: dict[str, Exported]) -> list[Finding]:
    """Each job's items as Pleo shows them now, against what the hub reported."""
    by_job: dict[str, list[ExportItem]] = defaultdict(list)
    for known in entries.values():
        by_job[str(known.latest.job.pleo_id)].append(known.latest)
    findings = []
    for job_id, items in by_job.items():
        try:
            remote = {str(row.accounting_entry_id): row for row in pleo.list_job_items(job_id)}
        except PleoNotFound:
            remote = {}
        for item in items:
            entry_id = str(item.accounting_entry_id)
            row = remote.get(entry_id)
            status = str(row.status) if row is not None else None
            reference = row.external_id if row is not None else None
            if status != ItemStatus.SUCCESSFUL or (reference or "") != item.external_id:
                findings.append(
                    Finding(
                        entry_id,
                        DiscrepancyKind.REFERENCE_DIFFERS_IN_PLEO,
                        {
                            "hub": item.external_id,
                            "pleo": reference,
                            "pleo_status": status,
                            "job": job_id,
                        },
                        item.pk,
                    )
                )
    return findings


def unknown_findings(
    pleo: PleoClient, integration: Integration, run: ReconciliationRun
) -> list[Finding]:
    """Entries Pleo shows as exported that the hub never exported."""
    filters = {}
    if run.period_start:
        filters["bookkeepingDateStart"] = f"{run.period_start.isoformat()}T00:00:00Z"
    if run.period_end:
        filters["bookkeepingDateEnd"] = f"{run.period_end.isoformat()}T23:59:59Z"
    findings = []
    exported = pleo.search_accounting_entries(export_statuses=["EXPORTED"], filters=filters)
    for page in _pages(exported):
        ids = [entry.id for entry in page]
        known = {
            str(entry_id)
            for entry_id in ExportItem.objects.filter(
                job__integration=integration,
                accounting_entry_id__in=ids,
                status=ItemStatus.SUCCESSFUL,
            ).values_list("accounting_entry_id", flat=True)
        }
        findings += [
            Finding(
                entry.id,
                DiscrepancyKind.UNKNOWN_TO_HUB,
                {"amount": str(entry.transaction_value.amount), "date": _day(entry)},
            )
            for entry in page
            if entry.id not in known
        ]
    return findings


def _day(entry) -> str:
    when = entry.bookkeeping_date or entry.performed_at
    return when.date().isoformat() if when else ""


def record(run: ReconciliationRun, findings: list[Finding], checked: set[str]) -> None:
    """Upsert what the run found; resolve open discrepancies of checked entries it did not."""
    integration = run.integration
    now = timezone.now()
    seen = set()
    with transaction.atomic():
        for finding in findings:
            seen.add((finding.entry_id, finding.kind))
            row, created = Discrepancy.objects.get_or_create(
                integration=integration,
                accounting_entry_id=finding.entry_id,
                kind=finding.kind,
                defaults={"run": run, "detail": finding.detail, "item_id": finding.item_id},
            )
            if created:
                continue
            reopened = row.state == DiscrepancyState.RESOLVED or (
                row.state == DiscrepancyState.ACKNOWLEDGED and row.detail != finding.detail
            )
            row.run, row.detail, row.item_id = run, finding.detail, finding.item_id
            if reopened:
                row.state, row.found_at, row.resolved_at = DiscrepancyState.OPEN, now, None
            row.save()
        unresolved = integration.discrepancies.filter(~Q(state=DiscrepancyState.RESOLVED))
        for row in unresolved.only("pk", "accounting_entry_id", "kind"):
            entry_id = str(row.accounting_entry_id)
            if entry_id in checked and (entry_id, row.kind) not in seen:
                Discrepancy.objects.filter(pk=row.pk).update(
                    state=DiscrepancyState.RESOLVED, resolved_at=now
                )


def acknowledge(discrepancy: Discrepancy, *, user, reason: str) -> None:
    """Someone says why the difference is right; the activity log keeps who and why."""
    discrepancy.state = DiscrepancyState.ACKNOWLEDGED
    discrepancy.reason, discrepancy.acknowledged_by = reason, user
    discrepancy.save(update_fields=["state", "reason", "acknowledged_by"])
    log_activity(
        "dashboard.discrepancy.acknowledged",  # the name the log has used from the start
        actor=user,
        company_id=discrepancy.integration.pleo_connection.company_id,
        obj=discrepancy,
        after={"kind": discrepancy.kind, "reason": discrepancy.reason},
    )


def reexportable(discrepancies: QuerySet) -> QuerySet:
    """The discrepancies fixed by exporting the entry again: open, missing in the ERP."""
    return discrepancies.filter(kind=DiscrepancyKind.MISSING_IN_ERP, state=DiscrepancyState.OPEN)


def reexport(discrepancy: Discrepancy, *, user) -> ExportJob:
    """Export an entry the ERP lost again, in a new Pleo job (posted once more: it is gone).

    Raises the Pleo client's errors unchanged.
    """
    return create_export_job(
        discrepancy.integration, [str(discrepancy.accounting_entry_id)], user=user
    )


def run_under_way(integration: Integration) -> bool:
    return integration.reconciliation_runs.filter(
        state__in=[RunState.QUEUED, RunState.RUNNING]
    ).exists()


def start_run_unless_under_way(
    integration: Integration, *, user=None, start=None, end=None
) -> ReconciliationRun | None:
    """A person's request: start a run, or None while one is queued or running."""
    with transaction.atomic():
        Integration.objects.select_for_update().filter(pk=integration.pk).first()
        if run_under_way(integration):
            return None
        return start_run(integration, user=user, start=start, end=end)


def start_run(integration: Integration, *, user=None, start=None, end=None) -> ReconciliationRun:
    """Record a run and hand it to a worker (requests and the schedule call this)."""
    from django_q.tasks import async_task

    run = ReconciliationRun.objects.create(
        integration=integration, requested_by=user, period_start=start, period_end=end
    )
    transaction.on_commit(
        lambda: async_task("exporthub.sync.tasks.reconcile_run", run.pk, group="reconcile")
    )
    return run
