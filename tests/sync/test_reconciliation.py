"""Three-way reconciliation against a real Beancount ledger, a real Tryton database and the
sandbox: each kind of discrepancy is found, and found gone once fixed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import ExportJobItem as SandboxItem
from exporthub.sync.reconciliation import acknowledge, reconcile
from exporthub.sync.reconciliation_models import (
    DiscrepancyKind,
    DiscrepancyState,
    ReconciliationRun,
    RunState,
)
from tests.sync.helpers import pleo_job, postable_entry_ids, run
from tests.sync.ledger_edits import drop_transaction, shift_amounts
from tests.sync.test_engine_tryton import (  # noqa: F401  (fixtures)
    euro_company,
    simple_card_purchases,
    tryton_integration,
)

Kind = DiscrepancyKind


def export(integration, company, count=4):
    ids = postable_entry_ids(company, count)
    sandbox.create_export_job(company, entry_ids=ids)
    job = run(integration)
    assert job.status == "completed"
    return job, ids


def reconcile_now(integration, **period) -> ReconciliationRun:
    done = reconcile(ReconciliationRun.objects.create(integration=integration, **period))
    assert done.state == RunState.DONE, done.error
    return done


def open_findings(integration) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in integration.discrepancies.filter(state=DiscrepancyState.OPEN):
        found.setdefault(row.kind, set()).add(str(row.accounting_entry_id))
    return found


def test_a_clean_export_is_verified_in_pleo_and_in_the_ledger(integration, company):
    job, ids = export(integration, company)

    done = reconcile_now(integration)

    assert open_findings(integration) == {}
    assert (done.checked, done.verified, done.found) == (4, 4, 0)
    assert sum(done.verified_by_month.values()) == 4


def test_edited_deleted_re_referenced_and_foreign_exports_are_each_found(
    integration, company, ledger_path
):
    job, ids = export(integration, company)
    edited, deleted, rereferenced = ids[:3]
    expense, contra = shift_amounts(ledger_path, edited, Decimal(10))
    drop_transaction(ledger_path, deleted)
    SandboxItem.objects.filter(job=pleo_job(job), entry__uuid=rereferenced).update(
        external_id="SOMETHING-ELSE"
    )
    foreign = company.entries.filter(export_status="QUEUED").exclude(uuid__in=ids).first()
    foreign.export_status = "EXPORTED"
    foreign.save()

    done = reconcile_now(integration)

    assert open_findings(integration) == {
        Kind.CHANGED_IN_ERP: {edited},
        Kind.MISSING_IN_ERP: {deleted},
        Kind.REFERENCE_DIFFERS_IN_PLEO: {rereferenced},
        Kind.UNKNOWN_TO_HUB: {str(foreign.uuid)},
    }
    assert (done.checked, done.verified) == (4, 1)
    changed = integration.discrepancies.get(kind=Kind.CHANGED_IN_ERP).detail["amounts"]
    assert Decimal(changed["erp"][expense]) == Decimal(changed["hub"][expense]) + 10
    assert Decimal(changed["erp"][contra]) == Decimal(changed["hub"][contra]) - 10
    reference = integration.discrepancies.get(kind=Kind.REFERENCE_DIFFERS_IN_PLEO).detail
    assert reference["pleo"] == "SOMETHING-ELSE" and reference["hub"]


def test_a_fixed_discrepancy_is_resolved_and_an_acknowledged_one_stays_quiet(
    integration, company, ledger_path
):
    job, ids = export(integration, company)
    SandboxItem.objects.filter(job=pleo_job(job), entry__uuid=ids[0]).update(external_id="X")
    foreign = company.entries.filter(export_status="QUEUED").exclude(uuid__in=ids).first()
    foreign.export_status = "EXPORTED"
    foreign.save()
    reconcile_now(integration)
    unknown = integration.discrepancies.get(kind=Kind.UNKNOWN_TO_HUB)
    acknowledge(unknown, user=None, reason="Booked by hand by the auditor")

    SandboxItem.objects.filter(job=pleo_job(job), entry__uuid=ids[0]).update(
        external_id=integration.discrepancies.get(kind=Kind.REFERENCE_DIFFERS_IN_PLEO).detail["hub"]
    )
    reconcile_now(integration)

    fixed = integration.discrepancies.get(kind=Kind.REFERENCE_DIFFERS_IN_PLEO)
    unknown.refresh_from_db()
    assert fixed.state == DiscrepancyState.RESOLVED and fixed.resolved_at
    assert unknown.state == DiscrepancyState.ACKNOWLEDGED
    assert open_findings(integration) == {}


def test_a_period_checks_only_entries_dated_in_it(integration, company):
    job, ids = export(integration, company)
    dates = sorted({item.entry_date for item in job.items.all()})
    done = reconcile_now(integration, period_start=dates[-1], period_end=dates[-1])
    assert done.checked == job.items.filter(entry_date=dates[-1]).count() < 4


@pytest.mark.slow
def test_edits_and_deletions_in_a_real_tryton_database_are_found(
    tryton_integration,  # noqa: F811  (the fixture imported above)
    euro_company,  # noqa: F811
    tryton_server,
    tryton_database,
):
    ids = simple_card_purchases(euro_company, 3)
    sandbox.create_export_job(euro_company, entry_ids=ids)
    job = run(tryton_integration)
    assert job.status == "completed"
    assert reconcile_now(tryton_integration).verified == 3
    edited, deleted = (job.items.get(accounting_entry_id=i) for i in ids[:2])

    move = int(edited.external_id)
    changed = tryton_server.execute(  # the first line moved onto the account of another
        tryton_database,
        "UPDATE account_move_line SET account = (SELECT max(account) FROM account_move_line"
        " WHERE move = %s) WHERE id = (SELECT min(id) FROM account_move_line WHERE move = %s)",
        move,
        move,
    )
    for table in ("account_move_line", "account_move"):
        column = "move" if table == "account_move_line" else "id"
        tryton_server.execute(
            tryton_database, f"DELETE FROM {table} WHERE {column} = %s", int(deleted.external_id)
        )

    done = reconcile_now(tryton_integration)

    assert changed == 1
    assert open_findings(tryton_integration) == {
        Kind.CHANGED_IN_ERP: {ids[0]},
        Kind.MISSING_IN_ERP: {ids[1]},
    }
    assert done.verified == 1
