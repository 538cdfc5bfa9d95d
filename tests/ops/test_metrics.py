"""/metrics: Prometheus text computed from the database, behind a token or an allowed network."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporthub.sync.models import ExportItem
from tests.sync.helpers import run

TOKEN = "metrics-test-token"


@pytest.fixture(autouse=True)
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = []


def scrape(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.content.decode())
        for sample in family.samples
    }


def test_it_counts_what_an_export_posted_and_failed_by_reason_type(client, company, integration):
    from exporthub.sandbox import services as sandbox

    sandbox.create_export_job(company)  # every queued entry: the seed leaves a few unmapped
    job = run(integration)
    posted = ExportItem.objects.filter(job=job, status="successful").count()
    failed = ExportItem.objects.filter(job=job, status="failed")
    assert posted > 0 and failed.exists()

    metrics = scrape(client)

    assert metrics[("exporthub_items_posted_total", ())] == posted
    for reason_type in {item.failure_reason_type for item in failed}:
        expected = failed.filter(failure_reason_type=reason_type).count()
        assert (
            metrics[("exporthub_items_failed_total", (("reason_type", reason_type),))] == expected
        )
    assert metrics[("exporthub_jobs", (("status", job.status),))] == 1
    assert metrics[("exporthub_job_duration_seconds_count", ())] == 1
    assert metrics[("exporthub_job_duration_seconds_bucket", (("le", "+Inf"),))] == 1
    assert metrics[("exporthub_erp_write_attempts_total", (("kind", "attempt"),))] >= posted
    assert ("exporthub_task_queue_depth", ()) in metrics
    # The job's one page of entries reached the ERP in one batch call, timed.
    batches = (("operation", "post_many"), ("outcome", "ok"), ("target", "erp"))
    assert metrics[("exporthub_external_calls_total", batches)] == 1
    assert metrics[("exporthub_external_call_seconds_total", batches)] > 0


def test_without_the_token_it_refuses(client, db):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_an_allowed_network_needs_no_token(client, db, settings):
    settings.METRICS_ALLOWED_NETWORKS = ["127.0.0.0/8"]

    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 401


def test_with_neither_token_nor_networks_metrics_are_off(client, db, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404


def test_it_counts_claims_taken_over_from_dead_workers(client, company, integration, settings):
    from datetime import timedelta

    from django.utils import timezone

    from exporthub.core.models import ActivityEntry
    from exporthub.sandbox import services as sandbox
    from exporthub.sync.claims import claim_next_job
    from exporthub.sync.detection import poll_integration
    from exporthub.sync.models import ExportJob

    sandbox.create_export_job(company)
    poll_integration(integration)
    job = claim_next_job(integration.pk, "worker-that-dies")
    long_ago = timezone.now() - timedelta(seconds=settings.SYNC_CLAIM_STALE_SECONDS + 1)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=long_ago)

    assert scrape(client)[("exporthub_claims_taken_over_total", ())] == 0
    assert claim_next_job(integration.pk, "worker-that-lives").pk == job.pk
    assert scrape(client)[("exporthub_claims_taken_over_total", ())] == 1
    taken = ActivityEntry.objects.get(action="sync.job.claim_taken_over")
    assert taken.actor_label == "worker worker-that-lives"  # a process, never read as a person


def test_it_counts_the_calls_to_pleo_by_operation_and_outcome(
    client, company, integration, settings, sandbox_transport
):
    from exporthub.ops.instrument import MeasuredTransport
    from exporthub.sandbox import services as sandbox

    settings.PLEO_TRANSPORT_FACTORY = lambda: MeasuredTransport(sandbox_transport)
    sandbox.create_export_job(company)

    run(integration)

    metrics = scrape(client)
    items = ("exporthub_external_calls_total", (("operation", "GET /v3/export-jobs/{id}/items"),
             ("outcome", "2xx"), ("target", "pleo")))  # fmt: skip
    assert metrics[items] >= 1
    calls = {key: value for key, value in metrics.items()
             if key[0] == "exporthub_external_calls_total"}  # fmt: skip
    seconds = {key: value for key, value in metrics.items()
               if key[0] == "exporthub_external_call_seconds_total"}  # fmt: skip
    assert len(calls) == len(seconds) > 1
    assert {dict(labels)["target"] for _name, labels in calls} == {"pleo", "erp"}
    operations = {dict(labels)["operation"] for _name, labels in calls}
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
    assert not any(uuid.search(operation) for operation in operations), operations


def test_a_rate_limited_call_is_counted_as_such(db):
    import httpx

    from exporthub.ops.instrument import MeasuredTransport
    from exporthub.ops.models import CallTally

    limited = httpx.MockTransport(lambda request: httpx.Response(429))
    with httpx.Client(transport=MeasuredTransport(limited)) as http:
        http.get("https://pleo.example/v3/export-jobs/0b7c6a3e-1f0e-4c3e-9a53-2d4f7e1c9b10")

    tally = CallTally.objects.get()
    assert (tally.operation, tally.outcome, tally.calls) == ("GET /v3/export-jobs/{id}", "429", 1)


def test_calls_are_counted_in_memory_and_written_when_the_client_closes(
    db, django_assert_num_queries
):
    """One write per call made every receipt download of every worker update the same rows."""
    import httpx

    from exporthub.ops.instrument import MeasuredTransport
    from exporthub.ops.models import CallTally

    ok = httpx.MockTransport(lambda request: httpx.Response(200))
    http = httpx.Client(transport=MeasuredTransport(ok))
    with django_assert_num_queries(0):
        for _ in range(50):
            http.get("https://pleo.example/v3/export-jobs")
    http.close()

    tally = CallTally.objects.get()
    assert (tally.operation, tally.outcome, tally.calls) == ("GET /v3/export-jobs", "2xx", 50)


def test_counts_the_database_refused_are_written_with_the_next_batch(db, monkeypatch):
    from django.db import DatabaseError

    from exporthub.ops import instrument
    from exporthub.ops.models import CallTally

    real_add = instrument._add_to_tally

    def refused(*args):
        raise DatabaseError("the database is away")

    monkeypatch.setattr(instrument, "_add_to_tally", refused)
    instrument.record("pleo", "GET /v3/export-jobs", "2xx", 0.5, calls=3)
    with pytest.raises(DatabaseError):
        instrument.write_tallies()
    monkeypatch.setattr(instrument, "_add_to_tally", real_add)
    instrument.record("pleo", "GET /v3/export-jobs", "2xx", 0.25)
    instrument.write_tallies()

    tally = CallTally.objects.get()
    assert (tally.calls, tally.seconds) == (4, 0.75)
