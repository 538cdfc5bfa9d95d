from __future__ import annotations

from django.utils.module_loading import import_string
from django_q.models import Schedule
from django_q.tasks import async_task

from exporthub.sandbox import services as sandbox
from exporthub.sync.models import ExportJob
from exporthub.sync.schedules import SCHEDULES, ensure_schedules
from tests.sync.helpers import ledger_ids, postable_entry_ids


def test_every_scheduled_function_imports():
    for fields in SCHEDULES.values():
        assert callable(import_string(fields["func"]))


def test_it_upserts_the_schedules_by_name(db):
    ensure_schedules()
    ensure_schedules()
    assert Schedule.objects.count() == len(SCHEDULES)
    assert set(Schedule.objects.values_list("func", flat=True)) == {
        "exporthub.sync.tasks.poll_all",
        "exporthub.sync.tasks.refresh_export_queues",
        "exporthub.sync.tasks.push_master_data_nightly",
        "exporthub.sync.tasks.reconcile_all",
        "exporthub.sync.tasks.prune_receipt_links",
    }


def test_the_poll_task_finds_and_processes_a_job(
    integration, company, ledger_path, django_capture_on_commit_callbacks
):
    ids = postable_entry_ids(company, 3)
    sandbox.create_export_job(company, entry_ids=ids)

    with django_capture_on_commit_callbacks(execute=True):
        async_task("exporthub.sync.tasks.poll_all", sync=True)

    assert ExportJob.objects.get().status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)


def test_the_poll_waits_for_each_integrations_interval(integration, company):
    from exporthub.sync import tasks

    assert tasks.poll_all() == 1
    assert tasks.poll_all() == 0  # polled a moment ago


def test_the_queue_task_mirrors_pleos_export_queue_and_jobs_update_it(
    integration, company, ledger_path, django_capture_on_commit_callbacks
):
    from exporthub.sync import tasks

    queued = company.entries.filter(export_status="QUEUED").count()
    assert tasks.refresh_export_queues() == 1
    assert integration.queued_entries.count() == queued
    ids = postable_entry_ids(company, 3)
    sandbox.create_export_job(company, entry_ids=ids)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.poll_all()

    assert not integration.queued_entries.filter(entry_id__in=ids).exists()
    assert integration.queued_entries.count() == queued - 3
