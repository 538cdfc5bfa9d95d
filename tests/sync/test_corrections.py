"""Corrections of finished jobs reach Pleo in a correction job; nothing is posted to the ERP again.

Everything goes through the project's Pleo client to the sandbox, and through a real Beancount
ledger (bean-check clean, `ledger_ids`).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from exporthub.connectors.beancount.connector import BeancountConnector
from exporthub.core.models import ActivityEntry
from exporthub.dashboard.corrections import (
    CorrectionRefused,
    correct_external_reference,
    mark_exported_manually,
)
from exporthub.dashboard.failures import open_failures
from exporthub.pleo.client import PleoClient
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import AccountingEntry
from exporthub.sandbox.models import ExportJob as SandboxJob
from exporthub.sandbox.models import ExportJobItem as SandboxItem
from exporthub.sync import engine, tasks
from exporthub.sync.correction_models import Correction
from exporthub.sync.corrections import send_pending
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportItem, ExportJob, Integration
from tests.sync.helpers import WORKER, ledger_ids, patch_post, postable_entry_ids, run

URL = "https://erp.example.com/moves/42"


@pytest.fixture
def anna(django_user_model):
    return django_user_model.objects.create_user("anna")


def unpostable_entry_ids(company, count: int) -> list[str]:
    """Queued entries with a line whose account has no code: they fail with account_unknown."""
    ids = [
        str(entry.uuid)
        for entry in company.entries.filter(export_status="QUEUED").order_by("pk")
        if any(line.get("account") and not line["account"].get("code") for line in entry.lines)
    ]
    assert len(ids) >= count, "the seed has too few account-less entries"
    return ids[:count]


def export(integration, company, ids) -> ExportJob:
    sandbox.create_export_job(company, entry_ids=ids)
    return run(integration)


def process(integration) -> None:
    engine.process_integration(integration.pk, WORKER)


def pleo_item(entry_id: str) -> SandboxItem:
    """The entry's item in its newest Pleo job: what Pleo shows for the entry now."""
    return SandboxItem.objects.filter(entry__uuid=entry_id).latest("job__created_at", "pk")


def test_a_reference_corrected_after_the_job_finished_reaches_pleo_and_posts_nothing(
    integration, company, ledger_path, anna
):
    ids = postable_entry_ids(company, 3)
    job = export(integration, company, ids)
    assert job.status == "completed"
    item = job.items.get(accounting_entry_id=ids[0])
    erp_id = item.external_id
    posted = ledger_ids(ledger_path)

    outcome = correct_external_reference(item, external_id="MOVE-42", external_url=URL, user=anna)

    correction = outcome.correction
    assert correction.state == "sent"
    correction_job = SandboxJob.objects.get(uuid=correction.pleo_job_id)
    assert (correction_job.is_interactive, correction_job.number_of_items) == (False, 1)

    process(integration)

    correction.refresh_from_db()
    item.refresh_from_db()
    assert correction.state == "confirmed"
    assert correction.erp_external_id == erp_id  # find() confirmed the posting exists
    assert (item.external_id, item.external_url) == ("MOVE-42", URL)
    remote = pleo_item(ids[0])
    assert (remote.status, remote.external_id, remote.external_url) == (
        "successful",
        "MOVE-42",
        URL,
    )
    assert AccountingEntry.objects.get(uuid=ids[0]).export_status == "EXPORTED"
    assert ledger_ids(ledger_path) == posted  # nothing posted again
    mirror = ExportJob.objects.get(pleo_id=correction.pleo_job_id)
    assert (mirror.status, mirror.is_interactive, mirror.items_successful) == (
        "completed",
        False,
        1,
    )
    assert mirror.items.get().external_id == "MOVE-42"


def test_corrections_are_batched_into_one_correction_job(integration, company, ledger_path, anna):
    ids = postable_entry_ids(company, 3)
    job = export(integration, company, ids)
    first, second = (job.items.get(accounting_entry_id=entry) for entry in ids[:2])

    correct_external_reference(first, external_id="A-1", external_url="", user=anna, send=False)
    correct_external_reference(second, external_id="A-2", external_url="", user=anna, send=False)
    sent = send_pending(integration, user=anna)
    process(integration)

    assert sent.corrections == 2
    assert SandboxJob.objects.filter(is_interactive=False).count() == 1
    assert set(Correction.objects.values_list("state", "pleo_job_id")) == {
        ("confirmed", uuid.UUID(str(sent.job.pleo_id)))
    }
    assert [pleo_item(entry).external_id for entry in ids[:2]] == ["A-1", "A-2"]
    third = job.items.get(accounting_entry_id=ids[2])
    assert pleo_item(ids[2]).external_id == third.external_id  # left as it was


def test_a_manual_mark_on_a_finished_job_tells_pleo_who_booked_it_and_why(
    integration, company, ledger_path, anna
):
    failing = unpostable_entry_ids(company, 1)
    job = export(integration, company, postable_entry_ids(company, 1) + failing)
    assert job.status == "completed_with_errors"
    item = job.items.get(accounting_entry_id=failing[0])
    assert item.status == "failed"
    posted = ledger_ids(ledger_path)

    mark_exported_manually(
        item, external_id="HAND-7", external_url="", reason="Booked by hand in March.", user=anna
    )
    process(integration)

    item.refresh_from_db()
    assert (item.status, item.external_id, item.failure_reason) == ("successful", "HAND-7", "")
    remote = pleo_item(failing[0])
    assert (remote.status, remote.external_id) == ("successful", "HAND-7")
    assert AccountingEntry.objects.get(uuid=failing[0]).export_status == "EXPORTED"
    assert ledger_ids(ledger_path) == posted  # a manual mark posts nothing
    confirmed = ActivityEntry.objects.get(action="sync.correction.confirmed")
    assert confirmed.data["requested_by"] == "anna"
    assert confirmed.data["reason"] == "Booked by hand in March."
    assert confirmed.before["status"] == "failed"
    assert confirmed.after == {"status": "successful", "external_id": "HAND-7", "external_url": ""}
    job.refresh_from_db()
    assert (job.items_failed, job.items_successful) == (0, 2)


def test_a_reference_correction_fails_clearly_when_the_erp_has_no_such_posting(
    integration, company, ledger_path, tmp_path, anna
):
    ids = postable_entry_ids(company, 1)
    job = export(integration, company, ids)
    item = job.items.get()
    erp_id = item.external_id
    # The books moved: the ERP the hub now reaches has never seen this entry.
    empty = tmp_path / "elsewhere" / "main.beancount"
    empty.parent.mkdir()
    books = integration.erp_connection
    books.settings = {**books.settings, "ledger_path": str(empty)}
    books.save()

    correction = correct_external_reference(
        item, external_id="MOVE-9", external_url="", user=anna
    ).correction
    process(integration)

    correction.refresh_from_db()
    item.refresh_from_db()
    assert correction.state == "failed"
    assert "has no posting for this Pleo entry" in correction.failure_reason
    assert item.external_id == erp_id  # unchanged here
    assert pleo_item(ids[0]).external_id == erp_id  # and in Pleo, which keeps what it had
    assert ledger_ids(empty) == []  # nothing was posted to make it "exist"
    failed = ActivityEntry.objects.get(action="sync.correction.failed")
    assert failed.after["external_id"] == "MOVE-9"
    # The entry stays exported: nothing about it is an open failure to retry.
    assert not open_failures(ExportItem.objects.all()).exists()


def test_clicking_twice_records_one_correction_and_creates_one_job(
    integration, company, ledger_path, anna
):
    ids = postable_entry_ids(company, 1)
    item = export(integration, company, ids).items.get()

    first = correct_external_reference(item, external_id="X-1", external_url="", user=anna)
    again = correct_external_reference(item, external_id="X-1", external_url="", user=anna)

    assert again.unchanged and again.correction.pk == first.correction.pk
    assert Correction.objects.count() == 1
    assert SandboxJob.objects.filter(is_interactive=False).count() == 1
    process(integration)
    with pytest.raises(CorrectionRefused, match="already has this reference"):
        correct_external_reference(item, external_id="X-1", external_url="", user=anna)
    assert Correction.objects.count() == 1
    assert SandboxJob.objects.filter(is_interactive=False).count() == 1


def test_a_different_correction_replaces_one_still_pending(integration, company, ledger_path, anna):
    ids = postable_entry_ids(company, 1)
    item = export(integration, company, ids).items.get()

    correct_external_reference(item, external_id="TYPO-1", external_url="", user=anna, send=False)
    replaced = correct_external_reference(
        item, external_id="RIGHT-1", external_url="", user=anna, send=False
    )
    send_pending(integration, user=anna)
    process(integration)

    assert replaced.correction is not None
    assert list(Correction.objects.values_list("external_id", "state")) == [
        ("RIGHT-1", "confirmed")
    ]
    assert pleo_item(ids[0]).external_id == "RIGHT-1"
    logged = ActivityEntry.objects.get(action="sync.correction.replaced")
    assert (logged.before["external_id"], logged.after["external_id"]) == ("TYPO-1", "RIGHT-1")


def test_every_step_is_in_the_activity_log_with_before_and_after(
    integration, company, ledger_path, anna
):
    ids = postable_entry_ids(company, 1)
    item = export(integration, company, ids).items.get()

    correct_external_reference(item, external_id="NEW-1", external_url=URL, user=anna)
    process(integration)

    steps = ActivityEntry.objects.filter(
        object_type="sync.exportitem", object_id=str(item.pk)
    ).order_by("id")
    assert [step.action for step in steps] == [
        "sync.correction.requested",
        "sync.correction.sent",
        "sync.correction.confirmed",
    ]
    requested, _, confirmed = steps
    assert requested.actor_label == "anna"
    for step in (requested, confirmed):
        assert step.before == {"external_id": f"pleo-{ids[0]}", "external_url": ""}
        assert step.after == {"external_id": "NEW-1", "external_url": URL}


def test_a_correction_waits_while_another_export_runs_and_goes_out_after_it(
    integration, company, ledger_path, anna
):
    ids = postable_entry_ids(company, 3)
    item = export(integration, company, ids[:1]).items.get()
    sandbox.create_export_job(company, entry_ids=ids[1:])  # the user exports more meanwhile
    poll_integration(integration)

    outcome = correct_external_reference(item, external_id="LATER-1", external_url="", user=anna)
    assert outcome.correction.state == "pending"

    tasks.process_integration(integration.pk)  # exports the other job, then sends the correction
    assert Correction.objects.get().state == "sent"
    process(integration)

    assert Correction.objects.get().state == "confirmed"
    assert pleo_item(ids[0]).external_id == "LATER-1"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_marking_an_item_the_engine_is_posting_is_refused_and_leaves_one_result(
    integration, company, ledger_path, anna, monkeypatch
):
    ids = postable_entry_ids(company, 2)
    sandbox.create_export_job(company, entry_ids=ids)
    poll_integration(integration)
    refusals = []
    real_post = BeancountConnector.post

    def post_while_someone_marks_it(self, entry):
        item = ExportItem.objects.get(accounting_entry_id=entry.pleo_id)
        try:
            mark_exported_manually(
                item, external_id="HAND-X", external_url="", reason="raced", user=anna
            )
        except CorrectionRefused as refused:
            refusals.append(str(refused))
        return real_post(self, entry)

    patch_post(monkeypatch, post_while_someone_marks_it)
    process(integration)

    assert len(refusals) == 2
    assert "exporting this entry right now" in refusals[0]
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)  # each posted exactly once
    for entry in ids:
        item = ExportItem.objects.get(accounting_entry_id=entry)
        remote = pleo_item(entry)
        assert (item.status, item.external_id) == ("successful", f"pleo-{entry}")
        assert (remote.status, remote.external_id) == ("successful", f"pleo-{entry}")
    assert not Correction.objects.exists()


def test_a_failed_item_not_yet_reported_cannot_be_marked_until_the_engine_reports_it(
    integration, company, ledger_path, anna
):
    failing = unpostable_entry_ids(company, 1)
    export(integration, company, failing)
    item = ExportItem.objects.get()
    ExportItem.objects.filter(pk=item.pk).update(reported_at=None)
    job = item.job
    ExportJob.objects.filter(pk=job.pk).update(status="in_progress")

    with pytest.raises(CorrectionRefused, match="exporting this entry right now"):
        mark_exported_manually(item, external_id="H-1", external_url="", reason="r", user=anna)
    item.refresh_from_db()
    assert item.status == "failed"


def test_the_poll_sends_corrections_that_could_not_be_sent_before(
    integration, company, ledger_path, anna
):
    ids = postable_entry_ids(company, 1)
    item = export(integration, company, ids).items.get()
    correct_external_reference(item, external_id="POLL-1", external_url="", user=anna, send=False)
    Integration.objects.filter(pk=integration.pk).update(last_polled_at=None)

    tasks.poll_all()
    process(integration)

    assert Correction.objects.get().state == "confirmed"
    assert pleo_item(ids[0]).external_id == "POLL-1"


def test_a_job_that_may_be_an_unlinked_correction_job_is_left_alone_until_linked(
    integration, company, ledger_path, anna
):
    ids = postable_entry_ids(company, 2)
    item = export(integration, company, ids[:1]).items.get()
    correct_external_reference(item, external_id="L-1", external_url="", user=anna, send=False)
    # The hub has claimed the correction and is creating its job: the id is not linked yet.
    Correction.objects.update(state="sent", sent_at=timezone.now())
    sandbox.create_export_job(company, entry_ids=ids[1:], is_interactive=False)
    poll_integration(integration)

    process(integration)

    assert ExportJob.objects.get(is_interactive=False).status == "pending"
    assert ledger_ids(ledger_path) == [ids[0]]  # nothing exported from it meanwhile
    Correction.objects.update(sent_at=timezone.now() - timedelta(hours=1))  # long gone: not ours
    process(integration)
    assert ExportJob.objects.get(is_interactive=False).status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_a_correction_job_whose_id_never_reached_the_hub_is_linked_by_its_entries(
    integration, company, ledger_path, anna, monkeypatch
):
    failing = unpostable_entry_ids(company, 1)
    item = export(integration, company, failing).items.get()
    posted = ledger_ids(ledger_path)
    mark_exported_manually(
        item, external_id="HAND-8", external_url="", reason="Booked by hand.", user=anna, send=False
    )
    # Pleo created the correction job, but its answer (and so the job's id) was lost.
    sandbox.create_export_job(company, entry_ids=failing, is_interactive=False)
    poll_integration(integration)
    listings = []
    listing = PleoClient.list_job_items
    monkeypatch.setattr(
        PleoClient, "list_job_items", lambda *a, **k: listings.append(a[1]) or listing(*a, **k)
    )

    process(integration)

    correction = Correction.objects.get()
    assert correction.state == "confirmed"
    assert correction.job.is_interactive is False
    assert len(listings) == 1  # the entries read to link the job serve the correction run too
    assert (pleo_item(failing[0]).status, pleo_item(failing[0]).external_id) == (
        "successful",
        "HAND-8",
    )
    assert ledger_ids(ledger_path) == posted  # handled as a correction: nothing posted
    assert ActivityEntry.objects.filter(action="sync.correction_job.linked").count() == 1
