from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from exporthub.core.webhook_signing import verify
from exporthub.sandbox import services
from tests.sandbox.conftest import send


class Receiver(HTTPServer):
    def __init__(self):
        self.deliveries: list[tuple[dict, bytes]] = []
        super().__init__(("127.0.0.1", 0), ReceiverHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/pleo/webhooks"


class ReceiverHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.deliveries.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(settings):
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SANDBOX_WEBHOOK_URL = server.url
    yield server
    server.shutdown()
    server.server_close()


def test_it_posts_a_signed_webhook_after_commit(
    seeded, receiver, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.create_export_job(seeded)
        assert receiver.deliveries == []  # nothing before the commit
    [(headers, body)] = receiver.deliveries
    lowered = {key.lower(): value for key, value in headers.items()}
    assert verify(settings.PLEO_WEBHOOK_SECRET, lowered, body).startswith("msg_")
    payload = json.loads(body)
    assert payload["type"] == "v1.export-job.created"
    assert payload["data"]["id"] == str(job.uuid)
    assert payload["data"]["status"] == "pending"
    assert payload["data"]["numberOfItems"] == 30


def test_it_posts_a_webhook_for_jobs_created_through_the_api(
    api, seeded, receiver, django_capture_on_commit_callbacks
):
    from exporthub.sandbox.models import AccountingEntry

    ids = [str(entry.uuid) for entry in AccountingEntry.objects.all()[:2]]
    with django_capture_on_commit_callbacks(execute=True):
        response = send(
            api,
            "POST",
            "/v3/export-jobs",
            {"companyId": str(seeded.uuid), "accountingEntryIds": ids},
        )
    assert response.status_code == 201
    assert json.loads(receiver.deliveries[0][1])["data"]["id"] == response.json()["data"]["id"]


def test_it_sends_nothing_without_a_webhook_url(
    seeded, settings, django_capture_on_commit_callbacks
):
    settings.SANDBOX_WEBHOOK_URL = ""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.create_export_job(seeded)
    assert callbacks == []


def test_it_logs_and_swallows_delivery_failures(
    seeded, settings, caplog, django_capture_on_commit_callbacks
):
    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/unreachable"
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        job = services.create_export_job(seeded)
    assert job.pk is not None
    assert "webhook" in caplog.text
