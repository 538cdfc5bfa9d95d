from __future__ import annotations

import uuid
from itertools import islice

import pytest

from exporthub.pleo.enums import ItemStatus, JobFailureReasonType, JobStatus
from exporthub.pleo.errors import (
    ExportAlreadyInProgress,
    ExportNotFound,
    InvalidExportJobStatusChange,
    PleoNotFound,
)
from exporthub.sandbox import services


def test_it_lists_jobs_filtered_by_status(pleo, acme):
    services.seed_company(acme.company, entries=3)
    job = services.create_export_job(acme.company)

    pending = list(pleo.list_jobs(statuses=[JobStatus.PENDING]))
    finished = list(pleo.list_jobs(statuses=["completed", "failed"]))

    assert [j.id for j in pending] == [str(job.uuid)]
    assert pending[0].status is JobStatus.PENDING
    assert pending[0].company_id == acme.id
    assert pending[0].number_of_items == 3
    assert finished == []


def test_it_sends_each_status_as_its_own_query_parameter(pleo, acme, wire):
    list(pleo.list_jobs(statuses=["pending", "in_progress"]))

    assert wire.requests[-1] == ("GET", "/sandbox/pleo/v3/export-jobs")
    assert wire.queries[-1].split("&") == [
        f"company_id={acme.id}",
        "statuses=pending",
        "statuses=in_progress",
        "limit=20",
    ]


def test_it_gets_one_job(pleo, acme):
    services.seed_company(acme.company, entries=2)
    created = services.create_export_job(acme.company, is_interactive=False)

    job = pleo.get_job(str(created.uuid))

    assert job.id == str(created.uuid)
    assert job.is_interactive is False
    assert job.vendor_based_bookkeeping is False
    assert job.expires_in > 0
    assert job.unknown_values == ()


def test_it_raises_export_not_found_for_an_unknown_job(pleo):
    with pytest.raises(ExportNotFound) as caught:
        pleo.get_job(str(uuid.uuid4()))

    assert isinstance(caught.value, PleoNotFound)
    assert caught.value.status == 404
    assert caught.value.type == "EXPORT_NOT_FOUND"
    assert caught.value.message == "Export job not found."


def test_it_creates_a_job_from_queued_entries(pleo, acme):
    services.seed_company(acme.company, entries=4)
    queue = list(pleo.list_export_queue())

    job = pleo.create_job([entry.id for entry in queue[:3]], vendor_based_bookkeeping=True)

    assert job.status is JobStatus.PENDING
    assert job.number_of_items == 3
    assert job.vendor_based_bookkeeping is True
    assert sorted(i.accounting_entry_id for i in pleo.list_job_items(job.id)) == sorted(
        entry.id for entry in queue[:3]
    )


def test_it_refuses_a_second_job_while_one_is_running(pleo, acme):
    services.seed_company(acme.company, entries=4)
    services.create_export_job(acme.company)

    with pytest.raises(ExportAlreadyInProgress) as caught:
        pleo.create_job([entry.id for entry in pleo.list_export_queue()])

    assert caught.value.status == 409
    assert "already in progress" in str(caught.value)


def test_it_walks_a_job_through_its_life_cycle(pleo, acme):
    services.seed_company(acme.company, entries=2)
    job_id = str(services.create_export_job(acme.company).uuid)

    pleo.start_job(job_id)
    started = pleo.get_job(job_id)
    pleo.complete_job(job_id, with_errors=True)
    done = pleo.get_job(job_id)

    assert started.status is JobStatus.IN_PROGRESS
    assert started.started_at is not None
    assert done.status is JobStatus.COMPLETED_WITH_ERRORS
    assert done.completed_at is not None


def test_it_fails_a_job_with_a_reason(pleo, acme):
    services.seed_company(acme.company, entries=2)
    job_id = str(services.create_export_job(acme.company).uuid)
    pleo.start_job(job_id)

    pleo.fail_job(
        job_id,
        reason_type=JobFailureReasonType.ACCOUNTING_SYSTEM_UNREACHABLE,
        reason="ERP answered 503 for ten minutes",
    )

    job = pleo.get_job(job_id)
    assert job.status is JobStatus.FAILED
    assert job.failure_reason_type is JobFailureReasonType.ACCOUNTING_SYSTEM_UNREACHABLE
    assert job.failure_reason == "ERP answered 503 for ten minutes"
    assert {item.status for item in pleo.list_job_items(job_id)} == {ItemStatus.ABANDONED}


def test_it_raises_invalid_status_change_for_a_forbidden_event(pleo, acme):
    services.seed_company(acme.company, entries=1)
    job_id = str(services.create_export_job(acme.company).uuid)

    with pytest.raises(InvalidExportJobStatusChange) as caught:
        pleo.complete_job(job_id)  # pending → completed is not allowed

    assert caught.value.status == 422
    assert caught.value.message == "Export Job status change failed"
    assert pleo.get_job(job_id).status is JobStatus.PENDING


def test_it_pages_through_250_job_items_twenty_at_a_time(pleo, acme, wire):
    services.seed_company(acme.company, entries=250)
    job_id = str(services.create_export_job(acme.company).uuid)
    wire.requests.clear()

    items = list(pleo.list_job_items(job_id))

    assert len(items) == 250
    assert len({item.accounting_entry_id for item in items}) == 250
    assert len(wire.requests) == 13  # ceil(250 / 20)


def test_it_fetches_pages_only_as_they_are_consumed(pleo, acme, wire):
    services.seed_company(acme.company, entries=250)
    job_id = str(services.create_export_job(acme.company).uuid)
    wire.requests.clear()

    items = pleo.list_job_items(job_id)
    assert wire.requests == []
    first_25 = list(islice(items, 25))

    assert len(first_25) == 25
    assert len(wire.requests) == 2


def test_it_filters_job_items_by_status(pleo, acme):
    services.seed_company(acme.company, entries=5)
    job_id = str(services.create_export_job(acme.company).uuid)

    assert len(list(pleo.list_job_items(job_id, status=ItemStatus.PENDING))) == 5
    assert list(pleo.list_job_items(job_id, status=ItemStatus.SUCCESSFUL)) == []
