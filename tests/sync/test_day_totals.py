"""A finished job keeps its exported entries per day (what the overview sums instead of scanning
items): each entry counted once, also after corrections and manual marks of finished jobs.

Jobs run through the project's Pleo client against the sandbox and a real Beancount ledger.
"""

from __future__ import annotations

import pytest
from django.db.models import Sum
from django.utils import timezone

from exporthub.dashboard.corrections import correct_external_reference, mark_exported_manually
from exporthub.sandbox import services as sandbox
from exporthub.sync import engine
from exporthub.sync.models import ExportJob, JobDayTotals
from tests.sync.helpers import WORKER, postable_entry_ids, run
from tests.sync.test_corrections import unpostable_entry_ids


@pytest.fixture
def anna(django_user_model):
    return django_user_model.objects.create_user("anna")


def export(integration, company, ids) -> ExportJob:
    sandbox.create_export_job(company, entry_ids=ids)
    return run(integration)


def totals(**filters) -> tuple[int, int]:
    sums = JobDayTotals.objects.filter(**filters).aggregate(
        exported=Sum("exported"), entries=Sum("entries")
    )
    return sums["exported"] or 0, sums["entries"] or 0


def test_a_finished_job_keeps_its_exported_entries_by_export_day_and_by_entry_date(
    integration, company
):
    job = export(integration, company, postable_entry_ids(company, 3))

    assert job.status == "completed"
    (today,) = job.day_totals.filter(exported__gt=0)
    assert (today.day, today.exported) == (timezone.localdate(), 3)
    assert today.last_exported_at == max(item.exported_at for item in job.items.all())
    by_entry_date = {row.day: row.entries for row in job.day_totals.filter(entries__gt=0)}
    expected: dict = {}
    for item in job.items.all():
        expected[item.entry_date] = expected.get(item.entry_date, 0) + 1
    assert by_entry_date == expected
    assert all(row.integration_id == integration.pk for row in job.day_totals.all())


def test_failed_items_are_not_counted_as_exported(integration, company):
    job = export(
        integration, company, postable_entry_ids(company, 2) + unpostable_entry_ids(company, 1)
    )

    assert (job.items_successful, job.items_failed) == (2, 1)
    assert totals(job=job) == (2, 2)


def test_a_reference_correction_counts_the_entry_once(integration, company, anna):
    job = export(integration, company, postable_entry_ids(company, 2))
    item = job.items.first()

    outcome = correct_external_reference(item, external_id="MOVE-1", external_url="", user=anna)
    engine.process_integration(integration.pk, WORKER)

    correction_job = ExportJob.objects.get(pleo_id=outcome.correction.pleo_job_id)
    assert correction_job.items_successful == 1  # Pleo's item of the correction job
    assert totals(job=correction_job) == (0, 0)
    assert totals(integration=integration) == (2, 2)


def test_a_manual_mark_on_a_finished_job_counts_the_entry_once_as_exported(
    integration, company, anna
):
    job = export(
        integration, company, postable_entry_ids(company, 1) + unpostable_entry_ids(company, 1)
    )
    failed = job.items.get(status="failed")
    assert totals(integration=integration) == (1, 1)

    mark_exported_manually(
        failed, external_id="HAND-1", external_url="", reason="By hand", user=anna
    )
    engine.process_integration(integration.pk, WORKER)

    failed.refresh_from_db()
    assert failed.status == "successful"
    assert totals(job=job) == (2, 2)  # the marked item, in the job it failed in
    assert totals(integration=integration) == (2, 2)  # and not again in the correction job
