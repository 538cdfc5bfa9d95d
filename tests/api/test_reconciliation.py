"""Reconciliation over the API: start a run, read what it found, acknowledge, export again."""

from __future__ import annotations

from exporthub.core.models import ActivityEntry
from exporthub.sync import engine
from exporthub.sync.models import ExportJob
from exporthub.sync.reconciliation_models import (
    Discrepancy,
    DiscrepancyKind,
    DiscrepancyState,
    ReconciliationRun,
    RunState,
)
from tests.api.conftest import problem_of
from tests.dashboard.test_reconciliation import ledger_of
from tests.sync.helpers import ledger_ids
from tests.sync.ledger_edits import POSTING, blocks, drop_transaction


def postings(ledger, entry_id: str) -> list[tuple[str, str, str]]:
    """(account, amount, currency) of each posting of the entry's transaction in the ledger."""
    found = [block for block in blocks(ledger) if f'pleo-id: "{entry_id}"' in block]
    assert len(found) == 1, entry_id
    return [(m[1], m[3], m[4]) for line in found[0].split("\n") if (m := POSTING.match(line))]


def test_an_accountant_reconciles_finds_a_lost_entry_and_exports_it_again(
    api_as, users, integration, finished_job, django_capture_on_commit_callbacks
):
    api = api_as(users["accountant"])
    base = f"integrations/{integration.pk}"
    assert api.get(f"{base}/reconciliation/runs/latest").status_code == 404
    ledger = ledger_of(integration)
    lost = str(finished_job.items.filter(status="successful").first().accounting_entry_id)
    booked = postings(ledger, lost)
    assert len(booked) >= 2 and all(amount for _account, amount, _cur in booked)
    drop_transaction(ledger, lost)

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{base}/reconciliation/runs", {})
    assert started.status_code == 202
    run = ReconciliationRun.objects.get()
    assert started.json()["id"] == run.pk and run.requested_by == users["accountant"]
    latest = api.get(f"{base}/reconciliation/runs/latest").json()
    checked = finished_job.items.filter(status="successful").count()
    assert (latest["id"], latest["state"], latest["checked"], latest["found"]) == (
        run.pk, RunState.DONE, checked, 1)  # fmt: skip
    assert latest["verified"] == checked - 1
    assert [r["id"] for r in api.get(f"{base}/reconciliation/runs").json()["items"]] == [run.pk]

    found = api.get(f"{base}/discrepancies", {"kind": "missing_in_erp", "state": "open"}).json()
    assert [(d["accounting_entry_id"], d["kind"]) for d in found["items"]] == [
        (lost, DiscrepancyKind.MISSING_IN_ERP)
    ]
    assert api.get(f"{base}/discrepancies", {"state": "acknowledged"}).json()["items"] == []

    missing = found["items"][0]["id"]
    again = api.post(f"{base}/discrepancies/{missing}/reexport")
    assert again.status_code == 201
    job = ExportJob.objects.get(pk=again.json()["id"])
    assert job.integration == integration and job.pk != finished_job.pk
    engine.process_integration(integration.pk, "test-worker")
    assert ledger_ids(ledger).count(lost) == 1  # posted again, once
    assert postings(ledger, lost) == booked  # the same accounts, the same amounts

    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"{base}/reconciliation/runs", {}).status_code == 202
    assert Discrepancy.objects.get(pk=missing).state == DiscrepancyState.RESOLVED
    refused = api.post(f"{base}/discrepancies/{missing}/reexport")
    assert refused.status_code == 409  # resolved: nothing is exported again
    assert problem_of(refused)["type"] == "urn:exporthub:problem:not-reexportable"
    assert ExportJob.objects.filter(integration=integration).count() == 2


def test_a_second_run_while_one_is_under_way_is_refused(api_as, users, integration):
    api = api_as(users["accountant"])
    url = f"integrations/{integration.pk}/reconciliation/runs"
    first = api.post(url, {"start": "2026-11-01", "end": "2026-11-30"})
    assert first.status_code == 202 and first.json()["state"] == RunState.QUEUED
    run = ReconciliationRun.objects.get()
    assert (str(run.period_start), str(run.period_end)) == ("2026-11-01", "2026-11-30")
    second = api.post(url, {})
    assert second.status_code == 409
    assert problem_of(second)["type"] == "urn:exporthub:problem:reconciliation-under-way"
    assert ReconciliationRun.objects.count() == 1

    bad = api.post(url, {"start": "2026-11-30", "end": "2026-11-01"})
    assert bad.status_code == 422
    assert "The period ends before it starts." in str(problem_of(bad)["errors"])


def test_acknowledging_needs_a_reason_and_records_who_and_why(
    api_as, users, integration, finished_job
):
    item = finished_job.items.filter(status="successful").first()
    run = ReconciliationRun.objects.create(integration=integration, state=RunState.DONE)
    changed = Discrepancy.objects.create(
        integration=integration, run=run, accounting_entry_id=item.accounting_entry_id,
        item=item, kind=DiscrepancyKind.CHANGED_IN_ERP)  # fmt: skip
    api = api_as(users["accountant"])
    url = f"integrations/{integration.pk}/discrepancies/{changed.pk}/acknowledge"

    blank = api.post(url, {"reason": ""})
    assert blank.status_code == 422
    assert problem_of(blank)["errors"][0]["field"] == "reason"
    changed.refresh_from_db()
    assert changed.state == DiscrepancyState.OPEN

    done = api.post(url, {"reason": "Reversed on purpose by the auditor"})
    assert done.status_code == 200
    assert (done.json()["state"], done.json()["reason"]) == (
        "acknowledged", "Reversed on purpose by the auditor")  # fmt: skip
    changed.refresh_from_db()
    assert (changed.state, changed.reason, changed.acknowledged_by) == (
        DiscrepancyState.ACKNOWLEDGED, "Reversed on purpose by the auditor",
        users["accountant"])  # fmt: skip
    logged = ActivityEntry.objects.get(action="dashboard.discrepancy.acknowledged")
    assert logged.actor == users["accountant"] and logged.object_id == str(changed.pk)

    reexport = api.post(f"integrations/{integration.pk}/discrepancies/{changed.pk}/reexport")
    assert reexport.status_code == 409  # a changed posting is not exported twice
    assert not ExportJob.objects.exclude(pk=finished_job.pk).exists()


def test_an_unknown_filter_value_is_a_clear_error(api_as, users, integration):
    response = api_as(users["viewer"]).get(
        f"integrations/{integration.pk}/discrepancies", {"kind": "lost"}
    )
    assert response.status_code == 422
    assert problem_of(response)["errors"][0]["field"].endswith("kind")
