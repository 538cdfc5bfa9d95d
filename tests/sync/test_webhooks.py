from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from exporthub.core.models import ActivityEntry
from exporthub.core.webhook_signing import sign
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.payloads import job_payload
from exporthub.sync import tasks
from exporthub.sync.models import ExportJob
from tests.sync.helpers import ledger_ids, postable_entry_ids


def webhook_body(remote_job) -> bytes:
    return json.dumps(
        {"type": "v1.export-job.created", "data": job_payload(remote_job, timezone.now())}
    ).encode()


def post_webhook(client, body: bytes, headers: dict):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(
        reverse("sync:pleo-webhook"), data=body, content_type="application/json", **extra
    )


@pytest.fixture
def remote_job(company):
    return sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 3))


def test_it_processes_a_job_as_soon_as_the_signed_webhook_arrives(
    client, integration, remote_job, ledger_path, django_capture_on_commit_callbacks
):
    body = webhook_body(remote_job)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, body, sign(settings.PLEO_WEBHOOK_SECRET, body))

    assert response.status_code == 202
    job = ExportJob.objects.get(pleo_id=remote_job.uuid)
    assert job.status == "completed"
    assert len(ledger_ids(ledger_path)) == 3


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,AAAA"},
        "signed-with-another-secret",
    ],
)
def test_it_refuses_an_unsigned_or_forged_webhook_and_changes_nothing(
    client, integration, remote_job, headers
):
    body = webhook_body(remote_job)
    if headers == "signed-with-another-secret":
        headers = sign("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", body)

    response = post_webhook(client, body, headers)

    assert response.status_code == 401
    assert not ExportJob.objects.exists()


def test_it_rejects_a_signed_webhook_for_a_company_it_does_not_serve(client, integration, db):
    other, _ = sandbox.create_company(name="Elsewhere ApS")
    sandbox.seed_company(other, entries=3, seed=1)
    body = webhook_body(sandbox.create_export_job(other))

    response = post_webhook(client, body, sign(settings.PLEO_WEBHOOK_SECRET, body))

    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_it_processes_a_job_once_when_webhooks_and_the_poll_race(
    client, integration, remote_job, ledger_path, django_capture_on_commit_callbacks
):
    body = webhook_body(remote_job)
    headers = sign(settings.PLEO_WEBHOOK_SECRET, body)
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(client, body, headers)
        post_webhook(client, body, headers)  # Pleo retries deliveries
        tasks.poll_all()

    assert ExportJob.objects.count() == 1
    assert ActivityEntry.objects.filter(action="sync.job.started").count() == 1
    assert ActivityEntry.objects.filter(action="sync.job.finished").count() == 1
    assert sorted(ledger_ids(ledger_path)) == sorted(
        str(item.entry.uuid) for item in remote_job.items.select_related("entry")
    )
