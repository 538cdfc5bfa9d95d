"""`ExportItem.superseded`: a failed item stops being an open failure once its entry went into
a newer export, and only then. Kept as items arrive (the engine's load, a single save) and
filled for existing rows by the migration; correction jobs never supersede.

Jobs run through the project's Pleo client against the sandbox and a real Beancount ledger.
"""

from __future__ import annotations

import importlib
import uuid

import pytest
from django.apps import apps
from django.utils import timezone

from exporthub.dashboard.corrections import mark_exported_manually
from exporthub.dashboard.failures import open_failures
from exporthub.sync.correction_models import Correction
from exporthub.sync.models import ExportItem, ExportJob
from exporthub.sync.supersede import supersede_older
from tests.sync.test_corrections import export, process, unpostable_entry_ids

MIGRATION = importlib.import_module("exporthub.sync.migrations.0014_pages_at_a_million")


@pytest.fixture
def anna(django_user_model):
    return django_user_model.objects.create_user("anna")


def open_ids() -> set[int]:
    return set(open_failures(ExportItem.objects.all()).values_list("id", flat=True))


def test_an_entry_that_fails_again_leaves_one_open_failure_the_newest(integration, company):
    failing = unpostable_entry_ids(company, 1)
    export(integration, company, failing)
    first = ExportItem.objects.get(accounting_entry_id=failing[0])
    assert (first.status, first.superseded) == ("failed", False)
    assert open_ids() == {first.pk}

    export(integration, company, failing)  # retried, fails again
    second = ExportItem.objects.filter(accounting_entry_id=failing[0]).latest("id")

    assert second.job_id != first.job_id
    first.refresh_from_db()
    assert (first.status, first.superseded) == ("failed", True)
    assert (second.status, second.superseded) == ("failed", False)
    assert open_ids() == {second.pk}
    assert first.job.status == "completed_with_errors"  # the old job's counts are untouched


def test_a_manual_mark_closes_the_failure_and_its_correction_job_supersedes_nothing(
    integration, company, ledger_path, anna
):
    failing = unpostable_entry_ids(company, 1)
    item = export(integration, company, failing).items.get()

    mark_exported_manually(
        item, external_id="HAND-1", external_url="", reason="Booked by hand.", user=anna
    )
    process(integration)

    item.refresh_from_db()
    correction_job = Correction.objects.get().job
    assert correction_job.items.get().accounting_entry_id == item.accounting_entry_id
    assert (item.status, item.superseded) == ("successful", False)
    assert open_ids() == set()
    assert supersede_older(integration.pk, failing) == 0  # the correction's row is no newer export


def test_an_item_saved_alone_supersedes_the_older_items_of_its_entry_only(integration):
    job = ExportJob.objects.create(
        integration=integration, pleo_id=uuid.uuid4(), company_id=uuid.uuid4(),
        status="completed_with_errors", pleo_created_at=timezone.now(),
    )  # fmt: skip
    entry, other = uuid.uuid4(), uuid.uuid4()
    old = ExportItem.objects.create(job=job, accounting_entry_id=entry, status="failed")
    kept = ExportItem.objects.create(job=job, accounting_entry_id=other, status="failed")
    later = ExportJob.objects.create(
        integration=integration, pleo_id=uuid.uuid4(), company_id=job.company_id,
        pleo_created_at=timezone.now(),
    )  # fmt: skip

    new = ExportItem.objects.create(job=later, accounting_entry_id=entry, status="pending")
    new.status = "failed"
    new.save()  # a status change is no new export

    assert open_ids() == {kept.pk, new.pk}
    old.refresh_from_db()
    assert old.superseded


def test_the_migration_fills_existing_rows_from_their_payloads(integration):
    job, later = ExportJob.objects.bulk_create(
        ExportJob(
            integration=integration,
            pleo_id=uuid.uuid4(),
            company_id=uuid.uuid4(),
            status="completed_with_errors",
            pleo_created_at=timezone.now(),
        )  # fmt: skip
        for _ in range(2)
    )
    entry = uuid.uuid4()
    payload = {
        "contraAccount": {"id": str(uuid.uuid4()), "name": "Pleo DKK", "code": "5820"},
        "vendor": {"id": str(uuid.uuid4()), "name": "Atlassian Pty", "code": "V-77"},
    }
    # bulk_create, as rows written before the flag existed: nothing marked them.
    old, new, bare = ExportItem.objects.bulk_create(
        [
            ExportItem(job=job, accounting_entry_id=entry, status="failed", payload=payload),
            ExportItem(job=later, accounting_entry_id=entry, status="failed", payload=payload),
            ExportItem(job=job, accounting_entry_id=uuid.uuid4(), status="failed", payload={}),
        ]
    )
    assert open_ids() == {old.pk, new.pk, bare.pk}

    MIGRATION.fill_item_columns(apps, None)

    assert open_ids() == {new.pk, bare.pk}
    new.refresh_from_db()
    assert (new.contra_account_code, new.contra_account_name) == ("5820", "Pleo DKK")
    assert (new.vendor_code, new.vendor_name) == ("V-77", "Atlassian Pty")
    bare.refresh_from_db()
    assert (bare.contra_account_code, bare.vendor_code, bare.vendor_name) == ("", "", "")


def test_a_dismissed_jobs_failures_stay_open_until_their_entries_are_exported_again(
    integration,
):
    from exporthub.sync.dismissal import dismiss_job

    job = ExportJob.objects.create(
        integration=integration, pleo_id=uuid.uuid4(), company_id=uuid.uuid4(),
        status="in_progress", pleo_created_at=timezone.now(),
    )  # fmt: skip
    entry = uuid.uuid4()
    failed = ExportItem.objects.create(job=job, accounting_entry_id=entry, status="failed")
    dismiss_job(job, reason="Pleo no longer knows it.")
    assert open_ids() == {failed.pk}

    later = ExportJob.objects.create(
        integration=integration, pleo_id=uuid.uuid4(), company_id=job.company_id,
        pleo_created_at=timezone.now(),
    )  # fmt: skip
    ExportItem.objects.bulk_create([ExportItem(job=later, accounting_entry_id=entry)])
    assert open_ids() == {failed.pk}  # rows written in bulk are marked by the engine's call:
    supersede_older(integration.pk, [entry])
    assert open_ids() == set()
