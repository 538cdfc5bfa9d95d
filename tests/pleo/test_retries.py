from __future__ import annotations

import time

import pytest

from exporthub.pleo.enums import JobStatus
from exporthub.pleo.errors import PleoRateLimited, PleoServerError
from exporthub.pleo.retry import RetryPolicy
from exporthub.sandbox import services


def test_it_rides_out_a_429_storm_honouring_retry_after(pleo, acme, sleeps, wire):
    services.seed_company(acme.company, entries=3)
    job_id = str(services.create_export_job(acme.company).uuid)
    services.set_faults(acme.company, fail_next=4, fail_status=429, retry_after=2)
    wire.requests.clear()

    job = pleo.get_job(job_id)

    assert job.status is JobStatus.PENDING
    assert sleeps == [2.0, 2.0, 2.0, 2.0]
    assert len(wire.requests) == 5


def test_it_gives_up_on_rate_limits_when_the_attempts_run_out(make_client, acme, sleeps):
    services.set_faults(acme.company, fail_next=10, fail_status=429, retry_after=1)
    pleo = make_client(acme.api_key, acme.id, retry_policy=RetryPolicy(max_attempts=3))

    with pytest.raises(PleoRateLimited) as caught:
        list(pleo.list_jobs())

    assert sleeps == [1.0, 1.0]
    assert caught.value.status == 429
    assert caught.value.retry_after == 1.0


def test_it_does_not_wait_past_the_total_retry_budget(make_client, acme, sleeps):
    services.set_faults(acme.company, fail_next=10, fail_status=429, retry_after=50)
    pleo = make_client(
        acme.api_key, acme.id, retry_policy=RetryPolicy(max_attempts=10, max_total_seconds=120)
    )

    with pytest.raises(PleoRateLimited) as caught:
        list(pleo.list_jobs())

    assert sleeps == [50.0, 50.0]  # a third wait would pass 120 s
    assert caught.value.retry_after == 50.0


def test_it_backs_off_with_jitter_on_server_errors_then_raises_a_classified_error(
    make_client, acme, sleeps, wire
):
    services.set_faults(acme.company, fail_next=10, fail_status=500)
    pleo = make_client(
        acme.api_key, acme.id, retry_policy=RetryPolicy(max_attempts=4, base_delay=0.5)
    )

    with pytest.raises(PleoServerError) as caught:
        list(pleo.list_jobs())

    assert len(wire.requests) == 4
    assert len(sleeps) == 3
    assert [0 <= wait <= cap for wait, cap in zip(sleeps, [0.5, 1.0, 2.0], strict=True)] == [
        True
    ] * 3
    assert caught.value.status == 500
    assert caught.value.type == "INTERNAL_SERVER_ERROR"
    assert "HTTP 500" in str(caught.value)
    assert "GET /v3/export-jobs" in str(caught.value)


def test_it_recovers_from_a_few_server_errors(pleo, acme, sleeps):
    services.set_faults(acme.company, fail_next=2, fail_status=503, retry_after=0)

    assert list(pleo.list_jobs()) == []
    assert len(sleeps) == 2


def test_it_does_not_replay_a_job_creation_after_a_500(pleo, acme, wire):
    services.seed_company(acme.company, entries=2)
    entry_ids = [entry.id for entry in pleo.list_export_queue()]
    services.set_faults(acme.company, fail_next=1, fail_status=500)
    wire.requests.clear()

    with pytest.raises(PleoServerError):
        pleo.create_job(entry_ids)

    assert wire.requests == [("POST", "/sandbox/pleo/v3/export-jobs")]


def test_it_retries_a_job_creation_that_was_rate_limited(pleo, acme, sleeps):
    services.seed_company(acme.company, entries=2)
    entry_ids = [entry.id for entry in pleo.list_export_queue()]
    services.set_faults(acme.company, fail_next=1, fail_status=429, retry_after=1)

    job = pleo.create_job(entry_ids)

    assert job.number_of_items == 2
    assert sleeps == [1.0]


def test_it_treats_a_replayed_event_that_was_already_applied_as_done(pleo, acme):
    services.seed_company(acme.company, entries=1)
    job_id = str(services.create_export_job(acme.company).uuid)
    pleo.start_job(job_id)
    # Simulate "the first attempt was applied but its answer was lost": a 502 on the next call,
    # and the replay then meets a job that is already completed.
    pleo.complete_job(job_id)
    services.set_faults(acme.company, fail_next=1, fail_status=502)

    pleo.complete_job(job_id)

    assert pleo.get_job(job_id).status is JobStatus.COMPLETED


def test_it_really_waits_for_a_short_retry_after(make_client, acme):
    services.set_faults(acme.company, fail_next=1, fail_status=429, retry_after=1)
    pleo = make_client(acme.api_key, acme.id, sleep=time.sleep)

    started = time.monotonic()
    jobs = list(pleo.list_jobs())
    waited = time.monotonic() - started

    assert jobs == []
    assert 1.0 <= waited < 5.0
