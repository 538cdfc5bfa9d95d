"""The engine's background work over a real socket: receipts downloaded concurrently, pages and
write-back beside posting, a 429 holding back every request; order and exactly-once kept."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import httpx
import pytest
from django.db import connection

from exporthub.sandbox import services as sandbox
from exporthub.sandbox.models import ReceiptFile
from exporthub.sandbox.receipts import receipt_from_token
from exporthub.sync import engine
from exporthub.sync.detection import poll_integration
from exporthub.sync.models import ExportItem, ExportJob
from tests.sync.helpers import WORKER, ledger_ids, pleo_job, postable_entry_ids, run

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@dataclass
class Exchange:
    path: str
    sent: float
    answered: float = 0.0
    status: int = 0

    @property
    def is_download(self) -> bool:
        return "/files/" in self.path


class Recorder(httpx.BaseTransport):
    """Real HTTP, every exchange logged with its times; counts downloads in flight at once.
    `on_first_download` runs (in the downloading thread) before the first download is sent."""

    def __init__(self, on_first_download=None):
        self.inner = httpx.HTTPTransport()
        self.lock = threading.Lock()
        self.log: list[Exchange] = []
        self.downloading = self.most_downloading = 0
        self.on_first_download = on_first_download

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = Exchange(request.url.path, time.monotonic())
        with self.lock:
            first = exchange.is_download and not any(e.is_download for e in self.log)
            self.log.append(exchange)
        if first and self.on_first_download:
            self.on_first_download()
        exchange.sent = time.monotonic()
        with self.lock:
            if exchange.is_download:
                self.downloading += 1
                self.most_downloading = max(self.most_downloading, self.downloading)
        try:
            response = self.inner.handle_request(request)
            response.read()
        finally:
            with self.lock:
                if exchange.is_download:
                    self.downloading -= 1
        exchange.answered, exchange.status = time.monotonic(), response.status_code
        return response

    def close(self) -> None:
        pass  # shared by the clients of one test


@pytest.fixture
def threaded(settings):
    settings.SYNC_PLEO_THREADS = 8


def written_order(ledger) -> list[str]:
    """Pleo ids in the order the entries were appended to the ledger file."""
    return re.findall(r'^  pleo-id: "([^"]+)"$', ledger.read_text(), flags=re.MULTILINE)


def files_of(ids) -> int:
    return ReceiptFile.objects.filter(entry__uuid__in=ids).count()


def test_receipts_download_concurrently_and_every_entry_posts_once_in_order(
    over_http, threaded, settings
):
    company, integration, ledger = over_http
    ids = postable_entry_ids(company, 30)
    assert files_of(ids) >= 10
    sandbox.create_export_job(company, entry_ids=ids)
    sandbox.set_faults(company, latency_ms=50)
    recorder = Recorder()
    settings.PLEO_TRANSPORT_FACTORY = lambda: recorder

    job = run(integration)

    assert job.status == "completed"
    assert sorted(ledger_ids(ledger)) == sorted(ids)  # each once, and bean-check clean
    assert written_order(ledger) == ids  # in Pleo's order
    assert set(pleo_job(job).items.values_list("status", flat=True)) == {"successful"}
    downloads = [e for e in recorder.log if e.is_download]
    assert len(downloads) == files_of(ids)  # each receipt fetched once
    assert recorder.most_downloading > 1
    documents = [p for p in (ledger.parent / "documents").rglob("*") if p.is_file()]
    assert len(documents) == files_of(ids)


def test_a_429_holds_back_every_concurrent_request_for_its_retry_after(
    over_http, threaded, settings
):
    company, integration, ledger = over_http
    ids = postable_entry_ids(company, 30)
    sandbox.create_export_job(company, entry_ids=ids)

    def rate_limit_from_now_on():
        # Pleo's rate limiter refuses the next request, while the downloads are under way.
        sandbox.set_faults(company, latency_ms=20, fail_next=1, fail_status=429, retry_after=2)
        connection.close()  # this thread's connection

    recorder = Recorder(on_first_download=rate_limit_from_now_on)
    settings.PLEO_TRANSPORT_FACTORY = lambda: recorder

    job = run(integration)

    assert job.status == "completed"
    assert written_order(ledger) == ids
    refused = [e for e in recorder.log if e.status == 429]
    assert len(refused) == 1
    held_from = refused[0].answered
    # Requests already past the throttle when the 429 came in may still go out at once; after
    # that nobody sends until Retry-After (2 s) has passed.
    held = [e for e in recorder.log if held_from + 0.3 < e.sent < held_from + 1.9]
    assert held == []
    later = [e for e in recorder.log if e.sent >= held_from + 1.9]
    assert sum(e.is_download for e in later) >= 2  # the concurrent downloads were held back
    assert ExportItem.objects.filter(job=job, status="successful").count() == len(ids)


def test_a_job_handed_back_at_the_end_of_its_slice_stops_its_background_streams(
    over_http, threaded, settings, monkeypatch
):
    company, integration, ledger = over_http
    settings.SYNC_SLICE_SECONDS = 0
    monkeypatch.setattr(engine, "PAGE", 10)
    monkeypatch.setattr(
        engine.JobRun, "slice_over", lambda self: time.monotonic() >= self.slice_ends
    )
    ids = postable_entry_ids(company, 25)
    sandbox.create_export_job(company, entry_ids=ids)
    poll_integration(integration)
    job = ExportJob.objects.get(integration=integration)

    enqueued = []
    monkeypatch.setattr(engine, "enqueue_processing", enqueued.append)

    engine.process_integration(integration.pk, WORKER)  # returns: the streams did not hang it

    job.refresh_from_db()
    assert (job.status, job.claimed_by, enqueued) == ("in_progress", "", [integration.pk])
    assert job.items.filter(status="successful").count() == 10
    settings.SYNC_SLICE_SECONDS = 600
    recorder = Recorder()
    settings.PLEO_TRANSPORT_FACTORY = lambda: recorder
    engine.process_integration(integration.pk, WORKER)
    job.refresh_from_db()
    assert job.status == "completed"
    assert written_order(ledger) == ids
    # The resumed run reads the first page again, but fetches no receipt of an entry it posted.
    fetched_for = {
        str(receipt_from_token(exchange.path.rsplit("/", 1)[1]).entry.uuid)
        for exchange in recorder.log
        if exchange.is_download
    }
    assert fetched_for == {str(entry) for entry in ids[10:] if files_of([entry])}
