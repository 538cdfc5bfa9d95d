"""The per-day totals the overview sums instead of scanning rows: a finished job keeps its
exported entries per day, each entry counted once (also after corrections and manual marks of
finished jobs); the export queue's totals follow every change of the mirror.

Jobs run through the project's Pleo client against the sandbox and a real Beancount ledger.
"""

from __future__ import annotations

import pytest
from django.db.models import Count, Sum
from django.utils import timezone

from exporthub.dashboard.corrections import correct_external_reference, mark_exported_manually
from exporthub.sandbox import services as sandbox
from exporthub.sync import engine
from exporthub.sync.day_totals import recount_queue
from exporthub.sync.models import ExportJob, JobDayTotals, QueueDayTotals
from exporthub.sync.queue_mirror import (
    recheck_preflight,
    record_export_request,
    refresh_export_queue,
)
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


QUEUE_DIMENSIONS = (
    "entry_date",
    "family",
    "export_status",
    "currency",
    "last_failure_reason_type",
    "problems",
)


def scanned(integration) -> list[tuple]:
    """The mirror's totals as a scan of every row finds them."""
    rows = integration.queued_entries.values_list(*QUEUE_DIMENSIONS).annotate(
        Count("id"), Sum("amount_minor")
    )
    return sorted(rows.order_by(), key=str)


def kept(integration) -> list[tuple]:
    rows = QueueDayTotals.objects.filter(integration=integration).values_list(
        *QUEUE_DIMENSIONS, "entries", "amount_minor"
    )
    return sorted(rows, key=str)


def test_the_queue_totals_follow_a_refresh_from_pleo(integration, company):
    held = refresh_export_queue(integration)

    assert held > 0
    assert kept(integration) == scanned(integration)
    assert sum(row[-2] for row in kept(integration)) == held


def test_the_queue_totals_follow_an_export_request_and_the_job_results(integration, company):
    refresh_export_queue(integration)
    exported = postable_entry_ids(company, 2)
    failing = unpostable_entry_ids(company, 1)

    record_export_request(integration, exported + failing)
    assert kept(integration) == scanned(integration)
    exporting = QueueDayTotals.objects.filter(integration=integration, export_status="EXPORTING")
    assert exporting.aggregate(n=Sum("entries"))["n"] == 3

    export(integration, company, exported + failing)

    assert kept(integration) == scanned(integration)
    assert not integration.queued_entries.filter(entry_id__in=exported).exists()
    (failed,) = QueueDayTotals.objects.filter(integration=integration).exclude(
        last_failure_reason_type=""
    )
    assert (failed.export_status, failed.last_failure_reason_type, failed.entries) == (
        "QUEUED",
        "account_unknown",
        1,
    )


def test_the_queue_totals_follow_a_preflight_recheck(integration, company):
    refresh_export_queue(integration)
    integration.queued_entries.update(problems="")  # as if all mapped when last checked
    recount_queue(integration)

    changed = recheck_preflight(integration)

    assert changed > 0
    assert kept(integration) == scanned(integration)
    assert any(problems for *_, problems, _entries, _minor in kept(integration))
