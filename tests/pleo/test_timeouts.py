from __future__ import annotations

import socket
import time

import httpx
import pytest

from exporthub.pleo.auth import ApiKeyAuth
from exporthub.pleo.client import PleoClient
from exporthub.pleo.errors import PleoTimeout, PleoTransportError
from exporthub.pleo.retry import RetryPolicy
from exporthub.sandbox import services
from tests.pleo.conftest import CountingTransport

pytestmark = pytest.mark.slow


def _client(base_url: str, api_key: str, company, wire, sleeps, **kwargs) -> PleoClient:
    return PleoClient(
        base_url=base_url,
        auth=ApiKeyAuth(api_key),
        transport=wire,
        company_id=str(company.uuid),
        sleep=sleeps.append,
        **kwargs,
    )


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_it_retries_a_refused_connection_then_raises_a_transport_error(db, sleeps):
    company, api_key = services.create_company(name="Acme ApS")
    wire = CountingTransport(httpx.HTTPTransport())
    base_url = f"http://127.0.0.1:{_closed_port()}/sandbox/pleo"

    pleo = _client(base_url, api_key, company, wire, sleeps, retry_policy=RetryPolicy(3))
    with pleo, pytest.raises(PleoTransportError) as caught:
        pleo.create_job(["6f1c2a90-4b7e-4c55-9d0e-2a6b1f3c8e71"])

    # Nothing reached a server, so even the non-idempotent POST was retried.
    assert len(wire.requests) == 3
    assert len(sleeps) == 2
    assert not isinstance(caught.value, PleoTimeout)
    assert "ConnectError" in str(caught.value)


def test_it_retries_reads_that_time_out_then_raises_a_timeout(
    transactional_db, live_server, sleeps
):
    company, api_key = services.create_company(name="Acme ApS")
    services.set_faults(company, latency_ms=600)
    wire = CountingTransport(httpx.HTTPTransport())
    base_url = f"{live_server.url}/sandbox/pleo"

    with (
        _client(
            base_url, api_key, company, wire, sleeps, timeout=0.2, retry_policy=RetryPolicy(2)
        ) as pleo,
        pytest.raises(PleoTimeout) as caught,
    ):
        list(pleo.list_jobs())

    assert len(wire.requests) == 2
    assert "ReadTimeout" in str(caught.value)
    time.sleep(0.6)  # let the server finish the abandoned requests before the database is flushed


def test_it_does_not_replay_a_job_creation_that_timed_out(transactional_db, live_server, sleeps):
    company, api_key = services.create_company(name="Acme ApS")
    services.seed_company(company, entries=2)
    wire = CountingTransport(httpx.HTTPTransport())
    base_url = f"{live_server.url}/sandbox/pleo"
    with _client(base_url, api_key, company, wire, sleeps, timeout=0.2) as pleo:
        entry_ids = [entry.id for entry in pleo.list_export_queue()]
        services.set_faults(company, latency_ms=600)
        wire.requests.clear()

        with pytest.raises(PleoTimeout):
            pleo.create_job(entry_ids)

        assert wire.requests == [("POST", "/sandbox/pleo/v3/export-jobs")]
        # Pleo went on to create the job after we stopped waiting: why a replay would be wrong.
        time.sleep(0.8)
        services.clear_faults(company)
        assert [job.number_of_items for job in pleo.list_jobs(statuses=["pending"])] == [2]
