from __future__ import annotations

import uuid

import pytest

from exporthub.connectors.beancount.connector import BeancountConnector
from exporthub.pleo.client import PleoClient
from exporthub.pleo.models import PleoConnection
from exporthub.sandbox import services as sandbox
from exporthub.sync import engine
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportItem, ExportJob, Integration, ItemStatus
from exporthub.sync.wiring import open_pleo
from tests.sync.helpers import WORKER, ledger_ids, patch_post, pleo_job, postable_entry_ids, run
from tests.sync.journal_chart import ids_with_every_tax_type
from tests.sync.ledger_check import assert_on_the_right_accounts


def test_it_exports_a_job_into_beancount_and_reports_every_item(integration, company, ledger_path):
    ids = postable_entry_ids(company, 12)
    sandbox.create_export_job(company, entry_ids=ids)

    job = run(integration)

    assert job.status == "completed"
    assert job.items_successful == 12
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)
    remote = pleo_job(job)
    assert remote.status == "completed"
    items = list(remote.items.all())
    assert {item.status for item in items} == {"successful"}
    assert all(item.external_id == f"pleo-{item.entry.uuid}" for item in items)
    assert all(item.exported_at is not None for item in items)


def test_it_fails_only_the_items_it_cannot_map(integration, company, ledger_path):
    sandbox.create_export_job(company)

    job = run(integration)

    assert job.status == "completed_with_errors"
    failed = ExportItem.objects.filter(job=job, status=ItemStatus.FAILED)
    assert failed.exists()
    assert set(failed.values_list("failure_reason_type", flat=True)) <= {
        "account_unknown",
        "tax_code_unknown",
    }
    unknown_account = failed.filter(failure_reason_type="account_unknown").first()
    assert unknown_account.failure_reason.startswith(
        "Map Pleo category 'Miscellaneous (unmapped)' to an ERP account."
    )
    assert unknown_account.failure_mapping_kind == "account"
    assert unknown_account.failure_pleo_label == "Miscellaneous (unmapped)"
    assert unknown_account.failure_pleo_key  # the category's id: it has no code
    assert unknown_account.failure_problems[0]["mapping_kind"] == "account"
    exported = ExportItem.objects.filter(job=job, status=ItemStatus.SUCCESSFUL)
    assert sorted(ledger_ids(ledger_path)) == sorted(
        str(i) for i in exported.values_list("accounting_entry_id", flat=True)
    )
    remote = {str(item.entry.uuid): item for item in pleo_job(job).items.select_related("entry")}
    for item in failed:
        mirrored = remote[str(item.accounting_entry_id)]
        assert mirrored.status == "failed"
        assert mirrored.failure_reason_type == item.failure_reason_type
        assert mirrored.failure_reason == item.failure_reason
    assert pleo_job(job).status == "completed_with_errors"


def test_it_never_posts_an_entry_twice_when_a_run_crashed_before_recording_it(
    integration, company, ledger_path
):
    ids = postable_entry_ids(company, 5)
    sandbox.create_export_job(company, entry_ids=ids)
    job = run(integration)
    assert job.status == "completed"
    # A second Pleo job over the same entries, as after a crash between the ERP write and
    # our bookkeeping: the ledger already has them, so they are found, not posted again.
    sandbox_job = pleo_job(job)
    sandbox_job.items.all().delete()
    sandbox_job.delete()
    company.entries.filter(uuid__in=ids).update(export_status="QUEUED")
    sandbox.create_export_job(company, entry_ids=ids)

    poll_integration(integration)
    engine.process_integration(integration.pk, WORKER)

    second = ExportJob.objects.exclude(pk=job.pk).get()
    assert second.status == "completed"
    assert second.items_successful == 5
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_it_resumes_its_own_in_progress_job_without_starting_it_again(
    integration, company, ledger_path
):
    ids = postable_entry_ids(company, 4)
    remote = sandbox.create_export_job(company, entry_ids=ids)
    poll_integration(integration)
    job = ExportJob.objects.get()
    # We had sent `started` before the worker died.
    with open_pleo(integration) as pleo:
        pleo.start_job(str(remote.uuid))
    ExportJob.objects.filter(pk=job.pk).update(started_by_hub=True)

    engine.process_integration(integration.pk, WORKER)

    job.refresh_from_db()
    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_it_leaves_alone_a_job_someone_else_started(integration, company, ledger_path):
    remote = sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    with open_pleo(integration) as pleo:
        pleo.start_job(str(remote.uuid))

    job = run(integration)

    assert job.status == "in_progress"
    assert ledger_ids(ledger_path) == []


def test_it_fails_the_job_when_the_erp_is_unreachable_and_posts_nothing(
    integration, company, settings
):
    from exporthub.connectors.models import ConnectorConfig

    tryton = ConnectorConfig.objects.create(
        name="Tryton (down)",
        kind="tryton",
        settings={"url": "http://127.0.0.1:9", "database": "books", "company": 1},
    )
    tryton.set_secret("api_key", "k" * 32)
    tryton.save()
    integration.erp_connection = tryton
    integration.save()
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 3))

    job = run(integration)

    assert job.status == "failed"
    assert job.failure_reason_type == "accounting_system_unreachable"
    remote = pleo_job(job)
    assert remote.status == "failed"
    assert remote.failure_reason_type == "accounting_system_unreachable"
    assert set(remote.items.values_list("status", flat=True)) == {"abandoned"}
    assert not ExportItem.objects.filter(status=ItemStatus.SUCCESSFUL).exists()


def test_it_claims_the_oldest_job_first_and_one_at_a_time(integration, company):
    from datetime import timedelta

    from exporthub.sync.claims import claim_next_job, release

    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    poll_integration(integration)
    newer = ExportJob.objects.get()
    older = ExportJob.objects.create(
        integration=integration, pleo_id="6f1c2a90-4b7e-4c55-9d0e-2a6b1f3c8e71",
        company_id=newer.company_id, pleo_created_at=newer.pleo_created_at - timedelta(days=1),
    )  # fmt: skip

    assert claim_next_job(integration.pk, "worker-a") == older
    assert claim_next_job(integration.pk, "worker-b") is None  # one job per company at a time
    release(older, "worker-a")
    ExportJob.objects.filter(pk=older.pk).update(status="completed")
    assert claim_next_job(integration.pk, "worker-b") == newer


def test_it_does_nothing_when_no_job_waits(integration):
    assert engine.process_integration(integration.pk, WORKER) == 0
    assert not ExportJob.objects.exists()


def test_it_resumes_a_job_it_started_just_before_crashing(
    integration, company, ledger_path, monkeypatch
):
    from exporthub.pleo.client import PleoClient

    ids = postable_entry_ids(company, 3)
    sandbox.create_export_job(company, entry_ids=ids)
    real_start = PleoClient.start_job

    def start_then_crash(self, job_id):
        real_start(self, job_id)
        raise SystemExit("worker killed right after `started` reached Pleo")

    monkeypatch.setattr(PleoClient, "start_job", start_then_crash)
    with pytest.raises(SystemExit):
        run(integration)
    monkeypatch.setattr(PleoClient, "start_job", real_start)

    job = run(integration)

    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_it_retries_a_transient_erp_error_and_then_succeeds(
    integration, company, ledger_path, monkeypatch
):
    from exporthub.connectors.beancount.connector import BeancountConnector
    from exporthub.connectors.errors import UnreachableError

    ids = postable_entry_ids(company, 2)
    sandbox.create_export_job(company, entry_ids=ids)
    real_post = BeancountConnector.post
    failures = {"left": 2}

    def flaky_post(self, entry):
        if failures["left"]:
            failures["left"] -= 1
            raise UnreachableError("The ledger's disk is not mounted.")
        return real_post(self, entry)

    patch_post(monkeypatch, flaky_post)

    job = run(integration)

    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)
    assert sum(ExportItem.objects.values_list("attempts", flat=True)) == 4  # 2 failed, 2 posted


def test_it_gives_up_on_an_erp_that_stays_down_with_the_right_reason(
    integration, company, ledger_path, monkeypatch
):
    from exporthub.connectors.errors import UnreachableError

    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))

    def down(self, entry):
        raise UnreachableError("The ledger's disk is not mounted.")

    patch_post(monkeypatch, down)

    job = run(integration)

    assert job.status == "completed_with_errors"
    items = ExportItem.objects.filter(job=job)
    assert {item.failure_reason_type for item in items} == {"accounting_system_unreachable"}
    assert {item.failure_mode for item in items} == {"exceeded"}
    assert all("gave up after 3 attempts" in item.failure_reason for item in items)
    assert ledger_ids(ledger_path) == []


def test_it_fails_the_job_with_missing_configuration_when_the_erp_is_half_set_up(
    integration, company, ledger_path
):
    erp = integration.erp_connection
    erp.settings = {"currency": "DKK"}  # no ledger file
    erp.save()
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))

    job = run(integration)

    assert job.status == "failed"
    assert job.failure_reason_type == "missing_configuration"
    assert "ledger file path" in job.failure_reason
    assert pleo_job(job).failure_reason_type == "missing_configuration"


def test_it_fails_the_job_clearly_when_pleo_lacks_contra_accounts(integration, company):
    from exporthub.sandbox.models import Account

    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    Account.objects.filter(company=company, contra_currency__isnull=False).update(
        contra_currency=None
    )

    job = run(integration)

    assert job.status == "failed"
    assert job.failure_reason_type == "missing_configuration"
    assert "contra accounts" in job.failure_reason
    assert pleo_job(job).status == "failed"
    assert set(ExportItem.objects.values_list("status", flat=True)) == {"abandoned"}


def test_a_mapping_to_a_tax_code_the_ledger_does_not_declare_fails_the_item_as_data(
    integration, company, ledger_path
):
    integration.erp_connection.settings["tax_codes"] = {"I25": "VAT 25 %", "E25": "VAT 25 %"}
    integration.erp_connection.save()
    integration.mappings.create(kind="tax_code", pleo_key="I25", erp_key="NOSUCHTAX")
    ids = postable_entry_ids(company, 10)
    sandbox.create_export_job(company, entry_ids=ids)

    job = run(integration)

    failed = ExportItem.objects.filter(job=job, status=ItemStatus.FAILED)
    wrong_tax = failed.filter(failure_reason_type="tax_code_unknown")
    assert wrong_tax.exists()
    for item in wrong_tax:
        assert (item.failure_mapping_kind, item.failure_pleo_key, item.failure_erp_key) == (
            "tax_code", "I25", "NOSUCHTAX")  # fmt: skip
        assert str(item.accounting_entry_id) not in ledger_ids(ledger_path)
    assert failed.count() == wrong_tax.count()


def test_a_job_longer_than_a_time_slice_is_handed_back_and_resumed_where_it_was(
    integration,
    company,
    beancount,
    sandbox_base_url,
    ledger_path,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.SYNC_SLICE_SECONDS = 0  # every slice ends after its first page
    monkeypatch.setattr(engine, "PAGE", 10)
    ids = postable_entry_ids(company, 25)
    sandbox.create_export_job(company, entry_ids=ids)
    poll_integration(integration)
    job = ExportJob.objects.get(integration=integration)
    # Another integration's job waits for a worker meanwhile.
    elsewhere = PleoConnection.objects.create(
        name="Other", company_id=uuid.uuid4(), base_url=sandbox_base_url,
        auth_method=PleoConnection.AuthMethod.API_KEY, api_key="other-key",
    )  # fmt: skip
    other = Integration.objects.create(
        name="Other", pleo_connection=elsewhere, erp_connection=beancount
    )
    ExportJob.objects.create(
        integration=other, pleo_id=uuid.uuid4(), company_id=job.company_id,
        pleo_created_at=job.pleo_created_at,
    )  # fmt: skip

    listed_from, items_listed_from = [], []
    listing, item_listing = PleoClient.list_export_item_payloads, PleoClient.list_job_items

    def recording(self, job_id, *, offset=0):
        listed_from.append(offset)
        return listing(self, job_id, offset=offset)

    def recording_items(self, job_id, *, offset=0, **kwargs):
        items_listed_from.append(offset)
        return item_listing(self, job_id, offset=offset, **kwargs)

    monkeypatch.setattr(PleoClient, "list_export_item_payloads", recording)
    monkeypatch.setattr(PleoClient, "list_job_items", recording_items)
    done = []
    while not job.is_finished and len(done) < 5:
        with django_capture_on_commit_callbacks() as enqueued:
            engine.process_integration(integration.pk, WORKER)
        job.refresh_from_db()
        done.append(job.items.filter(status="successful").count())
        assert job.claimed_by == ""  # handed back, free for any worker
        assert len(enqueued) == (0 if job.is_finished else 1)  # the rest queues up again

    assert done == [10, 20, 25]
    assert listed_from == [0, 10, 20]  # each run goes on where the last one was, not page 1
    # and mirrors the job's items from the first one without a row
    assert items_listed_from[0] == 0 and 0 not in items_listed_from[1:]
    assert job.resume_offset == 25
    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"successful"}


def test_a_resumed_run_reads_the_whole_listing_when_entries_before_its_offset_are_open(
    integration, company, ledger_path, monkeypatch
):
    """The offsets trust Pleo to list a job's items in one order; should it not, no open entry
    is skipped, let alone failed for want of its accounting data, and every item gets its row."""
    monkeypatch.setattr(engine, "PAGE", 10)
    ids = postable_entry_ids(company, 25)
    sandbox.create_export_job(company, entry_ids=ids)
    poll_integration(integration)
    job = ExportJob.objects.get(integration=integration)
    ExportJob.objects.filter(pk=job.pk).update(resume_offset=20)
    ExportItem.objects.create(job=job, accounting_entry_id=ids[-1])  # a row out of Pleo's order

    job = run(integration)

    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)
    assert not job.items.filter(status="failed").exists()
    assert job.items.count() == 25


def test_a_job_alone_is_not_handed_back_when_its_slice_ends(
    integration, company, ledger_path, settings, monkeypatch
):
    settings.SYNC_SLICE_SECONDS = 0
    monkeypatch.setattr(engine, "PAGE", 10)
    ids = postable_entry_ids(company, 25)
    sandbox.create_export_job(company, entry_ids=ids)

    job = run(integration)  # one call: nobody else waits for a worker

    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_a_batch_that_breaks_half_way_is_posted_one_by_one_without_duplicates(
    integration, company, ledger_path, monkeypatch
):
    ids = ids_with_every_tax_type(company, 6)
    sandbox.create_export_job(company, entry_ids=ids)
    real_post_many = BeancountConnector.post_many

    def half_then_crash(self, entries):
        real_post_many(self, entries[:3])
        raise RuntimeError("the batch call broke after writing three entries")

    monkeypatch.setattr(BeancountConnector, "post_many", half_then_crash)

    job = run(integration)

    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)  # the three written ones found again
    assert_on_the_right_accounts(ledger_path, company, ids)
    items = ExportItem.objects.filter(job=job)
    assert {(item.status, item.attempts) for item in items} == {("successful", 1)}
    assert {item.external_id for item in items} == {f"pleo-{entry_id}" for entry_id in ids}
