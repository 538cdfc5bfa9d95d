"""Writes through the API do the work the dashboard's buttons do, and the books stay right."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import UUID

from beancount import loader

from exporthub.sandbox.models import ExportJobItem as SandboxItem
from exporthub.sync import engine
from exporthub.sync.correction_models import Correction
from exporthub.sync.models import ExportItem, ExportJob, QueuedEntry
from exporthub.sync.queue_mirror import refresh_export_queue
from tests.api.conftest import problem_of
from tests.dashboard.conftest import postable_entry_ids, unpostable_entry_ids
from tests.sync.conftest import LEDGER_ACCOUNTS, MAPPINGS


def ledger_entries(integration) -> dict:
    entries, errors, _ = loader.load_file(integration.erp_connection.settings["ledger_path"])
    assert errors == []
    return {e.meta["pleo-id"]: e for e in entries if "pleo-id" in e.meta}


def test_exporting_selected_entries_posts_them_to_the_right_accounts(
    api_as, users, integration, company, django_capture_on_commit_callbacks
):
    refresh_export_queue(integration)
    chosen = postable_entry_ids(company, 2)
    amounts = dict(QueuedEntry.objects.filter(entry_id__in=chosen)
                   .values_list("entry_id", "amount_minor"))  # fmt: skip
    api = api_as(users["accountant"])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"integrations/{integration.pk}/queue/export", {"entry_ids": chosen})
    assert response.status_code == 201, response.content
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.items_successful) == ("completed", 2)
    posted = ledger_entries(integration)
    for entry_id in chosen:
        transaction = posted[entry_id]
        preview = api.get(f"integrations/{integration.pk}/queue/{entry_id}/preview").json()
        # The ledger, read back by Beancount, holds exactly the lines the dry run shows (the
        # ledger names the hub's account codes by its chart, e.g. 6050 as Expenses:PerDiem).
        named = {code: account for account, code in LEDGER_ACCOUNTS.items()}
        ledger_lines = sorted((p.account, p.units.number) for p in transaction.postings)
        preview_lines = sorted(
            (named.get(line["account"], line["account"]),
             Decimal(line["debit"]) - Decimal(line["credit"]))
            for line in preview["lines"]
        )  # fmt: skip
        assert ledger_lines == preview_lines
        total = sum(n for _account, n in ledger_lines if n > 0)
        assert total == Decimal(amounts[UUID(entry_id)]) / 100
        contra = {erp_key for kind, _pleo, erp_key in MAPPINGS if kind == "contra_account"}
        ((credited, amount),) = [(a, n) for a, n in ledger_lines if n < 0]
        assert credited in contra and amount == -total


def test_entries_with_known_problems_ask_first_then_export_only_the_ready_ones(
    api_as, users, integration, company, django_capture_on_commit_callbacks
):
    refresh_export_queue(integration)
    chosen = postable_entry_ids(company, 2) + unpostable_entry_ids(company)[:1]
    api = api_as(users["accountant"])
    path = f"integrations/{integration.pk}/queue/export"
    asked = api.post(path, {"entry_ids": chosen})
    body = problem_of(asked)
    assert asked.status_code == 409 and body["type"] == "urn:exporthub:problem:preflight-problems"
    assert body["problems"] == [{"problem": "account", "label": "no account mapping", "count": 1}]
    assert (body["with_problems"], body["without_problems"]) == (1, 2)
    assert not ExportJob.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(path, {"entry_ids": chosen, "skip_problems": True})
    assert done.status_code == 201
    assert sorted(ledger_entries(integration)) == sorted(chosen[:2])


def test_correcting_a_reference_sends_a_correction_that_pleo_then_confirms(
    api_as, users, integration, finished_job
):
    item = finished_job.items.filter(status="successful").first()
    api = api_as(users["accountant"])
    new = {"external_id": "NEW-8", "external_url": "https://erp.example.com/8"}
    response = api.post(f"items/{item.pk}/reference", new)
    assert response.status_code == 200, response.content
    outcome = response.json()
    correction = Correction.objects.get()
    assert outcome["correction"]["id"] == correction.pk
    assert outcome["correction"]["state"] == correction.state == "sent"
    assert (correction.kind, correction.external_id) == ("reference", "NEW-8")
    engine.process_integration(integration.pk, "test-worker")
    correction.refresh_from_db()
    item.refresh_from_db()
    assert correction.state == "confirmed"
    assert (item.external_id, item.external_url) == ("NEW-8", "https://erp.example.com/8")
    remote = SandboxItem.objects.filter(entry__uuid=item.accounting_entry_id).latest("pk")
    assert remote.external_id == "NEW-8"
    shown = api.get(f"items/{item.pk}").json()
    assert shown["corrections"][0]["state"] == "confirmed"
    bad = api.post(f"items/{item.pk}/reference", {"external_id": "X", "external_url": "ftp://x"})
    assert [e["field"] for e in problem_of(bad)["errors"]] == ["external_url"]


def test_marking_a_failed_item_exported_needs_a_reason_and_posts_nothing(
    api_as, users, integration, finished_job, ledger_of
):
    failed = finished_job.items.filter(status="failed").first()
    before = ledger_of(integration)
    api = api_as(users["accountant"])
    refused = api.post(f"items/{failed.pk}/mark-exported", {"external_id": "HAND-1"})
    assert refused.status_code == 422
    done = api.post(f"items/{failed.pk}/mark-exported",
                    {"external_id": "HAND-1", "reason": "Booked by hand in January"})  # fmt: skip
    assert done.status_code == 200, done.content
    assert Correction.objects.get().kind == "manual"
    assert ledger_of(integration) == before


def test_retrying_a_failure_group_schedules_a_new_export_job(
    api_as, users, integration, finished_job, ledger_of, django_capture_on_commit_callbacks
):
    failed = finished_job.items.filter(status="failed")
    groups = api_as(users["viewer"]).get("failure-groups").json()["items"]
    (group,) = groups
    assert group["count"] == failed.count()
    assert group["reason_type"] == failed.first().failure_reason_type
    key = {name: group[name] for name in ("integration_id", "reason_type", "mapping_kind",
                                          "pleo_key")}  # fmt: skip
    before = ledger_of(integration)
    api = api_as(users["accountant"])
    with django_capture_on_commit_callbacks() as scheduled:
        response = api.post("failure-groups/retry", key)
    assert response.status_code == 201, response.content
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert job.pk != finished_job.pk and job.number_of_items == failed.count()
    assert len(scheduled) >= 1  # a worker processes it; the request did not
    assert not ExportItem.objects.filter(job=job).exists()
    assert ledger_of(integration) == before
    assert Path(integration.erp_connection.settings["ledger_path"]).exists()
