"""A transient ERP error never holds a worker: the job is handed back and resumed when due."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django_q.models import Schedule
from django_q.scheduler import scheduler

from exporthub.connectors.beancount.connector import BeancountConnector
from exporthub.connectors.errors import RateLimitedError, UnreachableError
from exporthub.sandbox import services as sandbox
from exporthub.sync.models import ExportItem, ItemStatus
from exporthub.sync.queue import PROCESS_TASK
from tests.sync.helpers import ledger_ids, patch_post, pleo_job, postable_entry_ids, run


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch):
    def refuse(seconds):
        raise AssertionError(f"a worker slept {seconds} s")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def ledger_down_once(monkeypatch):
    """The ledger refuses the first write of each entry, as a briefly unmounted disk would."""
    real_post = BeancountConnector.post
    refused: set[str] = set()

    def flaky_post(self, entry):
        if entry.pleo_id not in refused:
            refused.add(entry.pleo_id)
            raise UnreachableError("The ledger's disk is not mounted.")
        return real_post(self, entry)

    patch_post(monkeypatch, flaky_post)


@pytest.fixture
def thirty_second_backoff(settings):
    settings.SYNC_RETRY_MAX_DELAY_SECONDS = 30


NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def retry_schedules(integration):
    return Schedule.objects.filter(func=PROCESS_TASK, args=repr(integration.pk))


def test_a_transient_error_hands_the_job_back_with_a_run_scheduled_for_when_it_is_due(
    integration, company, ledger_path, ledger_down_once, thirty_second_backoff, time_machine
):
    time_machine.move_to(NOW, tick=False)
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))

    job = run(integration)

    assert job.status == "in_progress"
    assert job.claimed_by == ""  # the worker let go of it
    items = ExportItem.objects.filter(job=job)
    assert {item.status for item in items} == {ItemStatus.PENDING}
    first_due = min(item.next_attempt_at for item in items)
    assert first_due == NOW + timedelta(seconds=30)
    (schedule,) = retry_schedules(integration)
    assert schedule.schedule_type == Schedule.ONCE
    assert schedule.next_run == first_due
    assert ledger_ids(ledger_path) == []
    assert pleo_job(job).status == "in_progress"
    assert job.resume_offset == 0  # its resumed run must read those entries again


def test_the_scheduled_run_posts_the_waiting_items_and_closes_the_job(
    integration, company, ledger_path, ledger_down_once, thirty_second_backoff, time_machine
):
    time_machine.move_to(NOW, tick=False)
    ids = postable_entry_ids(company, 2)
    sandbox.create_export_job(company, entry_ids=ids)
    job = run(integration)
    (schedule,) = retry_schedules(integration)

    time_machine.move_to(schedule.next_run + timedelta(seconds=1), tick=False)
    scheduler()

    job.refresh_from_db()
    assert job.status == "completed"
    assert sorted(ledger_ids(ledger_path)) == sorted(ids)
    assert pleo_job(job).status == "completed"
    assert not retry_schedules(integration).exists()


def test_a_run_before_the_items_are_due_posts_nothing_and_keeps_one_schedule(
    integration, company, ledger_path, ledger_down_once, thirty_second_backoff, time_machine
):
    time_machine.move_to(NOW, tick=False)
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    job = run(integration)

    time_machine.shift(5)
    job = run(integration)  # e.g. the minute's poll, early

    assert job.status == "in_progress"
    assert ledger_ids(ledger_path) == []
    assert retry_schedules(integration).count() == 1


def run_until_closed(integration, time_machine):
    """Run the job, then each scheduled retry at its time, until the job has closed."""
    job = run(integration)
    while job.status == "in_progress":
        (schedule,) = retry_schedules(integration)
        time_machine.move_to(schedule.next_run + timedelta(seconds=1), tick=False)
        scheduler()
        job.refresh_from_db()
    return job


def test_items_that_use_up_their_attempts_fail_and_the_job_closes(
    integration, company, ledger_path, monkeypatch, thirty_second_backoff, time_machine
):
    time_machine.move_to(NOW, tick=False)
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))

    def down(self, entry):
        raise UnreachableError("The ledger's disk is not mounted.")

    patch_post(monkeypatch, down)
    job = run_until_closed(integration, time_machine)

    assert job.status == "completed_with_errors"
    items = ExportItem.objects.filter(job=job)
    assert {item.failure_reason_type for item in items} == {"accounting_system_unreachable"}
    assert all("gave up after 3 attempts" in item.failure_reason for item in items)
    assert pleo_job(job).status == "completed_with_errors"


def test_an_erp_unreachable_for_a_whole_batch_uses_up_attempts_too(
    integration, company, ledger_path, monkeypatch, thirty_second_backoff, time_machine
):
    time_machine.move_to(NOW, tick=False)
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 1))

    def unreachable(self, entries):
        raise UnreachableError("The ledger's disk is not mounted.")

    monkeypatch.setattr(BeancountConnector, "post_many", unreachable)
    job = run_until_closed(integration, time_machine)

    assert job.status == "completed_with_errors"
    assert ExportItem.objects.get(job=job).attempts == 3


@pytest.mark.parametrize(("retry_after", "wait"), [(600, 600), (10, 30), (86400, 3600)])
def test_an_erps_retry_after_sets_the_wait_within_an_hour(
    integration, company, monkeypatch, thirty_second_backoff, time_machine, retry_after, wait
):
    time_machine.move_to(NOW, tick=False)
    sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 1))

    def busy(self, entry):
        raise RateLimitedError("Slow down.", retry_after=retry_after)

    patch_post(monkeypatch, busy)
    job = run(integration)

    item = ExportItem.objects.get(job=job)
    assert item.status == ItemStatus.PENDING
    assert item.failure_reason_type == "accounting_system_rate_limit"
    assert item.next_attempt_at == NOW + timedelta(seconds=wait)  # never before the backoff
