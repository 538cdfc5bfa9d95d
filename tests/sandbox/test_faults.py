from __future__ import annotations

import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from exporthub.sandbox import services
from exporthub.sandbox.models import FaultSettings


def test_it_fails_the_next_n_requests_with_retry_after(api, job):
    services.set_faults(job.company, fail_next=2, fail_status=429, retry_after=7)
    first, second, third = (api.get("/v3/export-jobs") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
    assert first.headers["retry-after"] == "7"
    assert first.json()["type"] == "TOO_MANY_REQUESTS"


def test_it_fails_the_next_request_with_a_server_error(api, job):
    services.set_faults(job.company, fail_next=1, fail_status=503, retry_after=2)
    response = api.get(f"/v3/export-jobs/{job.uuid}")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert api.get(f"/v3/export-jobs/{job.uuid}").status_code == 200


def test_it_rate_limits_per_second(api, job):
    services.set_faults(job.company, rate_limit_per_second=3)
    time.sleep(1 - time.time() % 1 + 0.01)  # start at the beginning of a second
    statuses = [api.get("/v3/export-jobs").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_it_answers_server_errors_at_the_error_rate(api, job):
    services.set_faults(job.company, error_rate=1.0)
    response = api.get("/v3/export-jobs")
    assert response.status_code in (500, 502, 503)
    assert response.json()["type"] in (
        "INTERNAL_SERVER_ERROR",
        "BAD_GATEWAY",
        "SERVICE_UNAVAILABLE",
    )


def test_it_sends_malformed_bodies_at_the_malformed_rate(api, job):
    services.set_faults(job.company, malformed_rate=1.0)
    kinds = set()
    for _ in range(20):
        response = api.get("/v3/export-jobs")
        assert response.status_code == 200
        kinds.add(response.headers["x-sandbox-fault"])
        if response.headers["x-sandbox-fault"] == "malformed-json":
            with pytest.raises(ValueError):
                json.loads(response.content)
        else:
            assert not isinstance(response.json()["data"], list)
    assert kinds == {"malformed-json", "schema-breaking"}


def test_it_adds_latency(api, job):
    services.set_faults(job.company, latency_ms=150)
    started = time.monotonic()
    assert api.get("/v3/export-jobs").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_it_clears_faults(api, job):
    services.set_faults(job.company, error_rate=1.0)
    services.clear_faults(job.company)
    assert api.get("/v3/export-jobs").status_code == 200


def test_it_leaves_other_companies_alone(api, job, db):
    other, _ = services.create_company(name="Other A/S")
    services.set_faults(other, error_rate=1.0)
    assert api.get("/v3/export-jobs").status_code == 200


def test_it_rejects_impossible_settings(company):
    with pytest.raises(ValueError):
        services.set_faults(company, error_rate=1.5)
    with pytest.raises(ValueError):
        services.set_faults(company, fail_next=1, fail_status=200)


def test_it_sets_faults_from_the_command(company, capsys):
    call_command(
        "sandbox_faults", "--company", str(company.uuid), "--fail-next", "3", "--fail-status", "500"
    )
    faults = FaultSettings.objects.get(company=company)
    assert (faults.fail_next, faults.fail_status) == (3, 500)
    call_command("sandbox_faults", "--company", str(company.uuid), "--clear")
    assert not FaultSettings.objects.exists()
    assert "Faults cleared" in capsys.readouterr().out


def test_it_rejects_bad_fault_arguments(company):
    with pytest.raises(CommandError, match="fractions"):
        call_command("sandbox_faults", "--company", str(company.uuid), "--error-rate", "2")
    with pytest.raises(CommandError, match="not a company id"):
        call_command("sandbox_faults", "--company", "acme", "--fail-next", "1")
