from __future__ import annotations

import uuid

from beancount import loader

from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import ExportJob as SandboxJob
from exporthub.sync import engine
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportItem, ExportJob, ItemStatus

WORKER = "test-worker"


def ledger_ids(path) -> list[str]:
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    return [entry.meta["pleo-id"] for entry in entries if "pleo-id" in entry.meta]


def postable_entry_ids(company, count: int) -> list[str]:
    """Queued entries whose accounts and tax codes all map (the seed leaves a few unmapped)."""
    ids = []
    for entry in company.entries.filter(export_status="QUEUED").order_by("pk"):
        lines = entry.lines
        if all((line.get("account") or {}).get("code") for line in lines) and all(
            line.get("tax") is None or line["tax"].get("code") for line in lines
        ):
            ids.append(str(entry.uuid))
        if len(ids) == count:
            return ids
    raise AssertionError("the seed has too few postable entries")


def run(integration) -> ExportJob:
    poll_integration(integration)
    engine.process_integration(integration.pk, WORKER)
    return ExportJob.objects.get(integration=integration)


def pleo_job(job: ExportJob) -> SandboxJob:
    return SandboxJob.objects.get(uuid=job.pleo_id)


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
    assert "not mapped to an ERP account" in unknown_account.failure_reason
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
    from exporthub.sync.wiring import open_pleo

    with open_pleo(integration) as pleo:
        pleo.start_job(str(remote.uuid))
    ExportJob.objects.filter(pk=job.pk).update(started_by_hub=True)

    engine.process_integration(integration.pk, WORKER)

    job.refresh_from_db()
    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_it_leaves_alone_a_job_someone_else_started(integration, company, ledger_path):
    remote = sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    from exporthub.sync.wiring import open_pleo

    with open_pleo(integration) as pleo:
        pleo.start_job(str(remote.uuid))

    job = run(integration)

    assert job.status == "in_progress"
    assert not ledger_path.exists() or ledger_ids(ledger_path) == []


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


def test_it_processes_the_oldest_job_first_and_one_at_a_time(integration, company):
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    poll_integration(integration)
    job = ExportJob.objects.get()
    from exporthub.sync.claims import claim_next_job

    assert claim_next_job(integration.pk, "worker-a") == job
    assert claim_next_job(integration.pk, "worker-b") is None


def test_it_reports_results_in_batches_of_at_most_one_hundred(integration, company, contract):
    ids = postable_entry_ids(company, 12)
    sandbox.create_export_job(company, entry_ids=ids)
    job = run(integration)
    assert job.items_successful == 12
    assert not ExportItem.objects.filter(job=job, reported_at__isnull=True).exists()


def test_an_unknown_job_id_is_not_a_crash(integration):
    assert engine.process_integration(integration.pk, WORKER) == 0
    assert uuid.UUID(int=0)  # no job was invented
