"""Webhook payloads are hints: the hub reads the job from Pleo before it records or changes it."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from exporthub.core.webhook_signing import sign
from exporthub.sandbox import services as sandbox
from exporthub.sandbox.payloads import job_payload
from exporthub.sync import tasks
from exporthub.sync.models import ExportJob
from tests.dashboard.conftest import postable_entry_ids


def post_signed(client, event: dict | bytes, *, msg_id: str | None = None):
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = sign(settings.PLEO_WEBHOOK_SECRET, body, msg_id=msg_id)
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return client.post(
        reverse("sync:pleo-webhook"), data=body, content_type="application/json", **extra
    )


def created_event(data: dict) -> dict:
    return {"type": "v1.export-job.created", "data": data}


def test_a_signed_webhook_for_a_job_pleo_does_not_know_records_nothing_and_blocks_nothing(
    client, integration, company, ledger_of, django_capture_on_commit_callbacks
):
    real = sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    forged = job_payload(real, timezone.now())
    forged["id"] = str(uuid.uuid4())
    forged["createdAt"] = "2000-01-01T00:00:00Z"  # older than any real job: it would go first

    with django_capture_on_commit_callbacks(execute=True):
        answer = post_signed(client, created_event(forged))
    tasks.poll_all()
    tasks.process_integration(integration.pk)

    assert answer.status_code == 202
    assert not ExportJob.objects.filter(pleo_id=forged["id"]).exists()
    assert ExportJob.objects.get(pleo_id=real.uuid).status == "completed"
    assert ledger_of(integration).count("pleo-id:") == 2


def test_a_forged_status_and_dates_in_a_webhook_do_not_stick(
    client, integration, company, ledger_of, django_capture_on_commit_callbacks
):
    real = sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    forged = job_payload(real, timezone.now())
    forged.update(
        status="failed",
        failureReason="Forged",
        failureReasonType="export_not_allowed",
        completedAt="2000-01-01T00:00:00Z",
    )

    with django_capture_on_commit_callbacks(execute=True):
        post_signed(client, created_event(forged))

    job = ExportJob.objects.get(pleo_id=real.uuid)
    assert job.status == "completed"  # what Pleo says once the hub exported it
    assert job.failure_reason == ""
    assert job.completed_at.year != 2000
    assert ledger_of(integration).count("pleo-id:") == 2


def test_a_repeated_webhook_id_is_dropped(
    client, integration, company, django_capture_on_commit_callbacks, monkeypatch
):
    real = sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 1))
    event = created_event(job_payload(real, timezone.now()))
    announced = []
    monkeypatch.setattr(tasks, "process_announced_job", lambda *args: announced.append(args))

    with django_capture_on_commit_callbacks(execute=True):
        first = post_signed(client, event, msg_id="msg_same")
        again = post_signed(client, event, msg_id="msg_same")
        other = post_signed(client, event, msg_id="msg_other")

    assert [first.status_code, again.status_code, other.status_code] == [202, 202, 202]
    assert announced == [(integration.pk, str(real.uuid))] * 2


def test_deeply_nested_webhook_json_is_refused_without_a_500(client, integration):
    body = b'{"type": "v1.export-job.created", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    answer = post_signed(client, body)

    assert answer.status_code == 400
    assert not ExportJob.objects.exists()


def test_a_webhook_with_a_malformed_job_id_is_refused(client, integration, company):
    answer = post_signed(
        client,
        created_event({"id": "not-a-uuid", "companyId": str(company.uuid)}),
    )

    assert answer.status_code == 400
    assert not ExportJob.objects.exists()


def blocked_queue(integration, company):
    """The company's real job behind one the hub cannot finish (Pleo does not know it)."""
    real = sandbox.create_export_job(company, entry_ids=postable_entry_ids(company, 2))
    stuck = ExportJob.objects.create(
        integration=integration,
        pleo_id=uuid.uuid4(),
        company_id=company.uuid,
        status="pending",
        pleo_created_at=timezone.now() - timezone.timedelta(days=1),
    )
    return real, stuck


def test_an_operator_dismisses_a_job_that_blocks_the_queue(integration, company, ledger_of):
    real, stuck = blocked_queue(integration, company)

    call_command("job_dismiss", str(stuck.pleo_id), "--reason", "Pleo does not know this job")
    tasks.poll_all()
    tasks.process_integration(integration.pk)

    stuck.refresh_from_db()
    assert stuck.dismissed_at is not None
    assert stuck.dismissed_by == "manage.py"
    assert stuck.dismissed_reason == "Pleo does not know this job"
    assert ExportJob.objects.get(pleo_id=real.uuid).status == "completed"
    assert ledger_of(integration).count("pleo-id:") == 2


def test_an_admin_dismisses_a_blocking_job_from_the_dashboard(
    client, integration, company, admin_user
):
    _, stuck = blocked_queue(integration, company)
    client.force_login(admin_user)

    answer = client.post(
        reverse("dashboard:job-dismiss", kwargs={"pk": stuck.pk}), {"reason": "Stale test job"}
    )

    assert answer.status_code == 302
    stuck.refresh_from_db()
    assert stuck.dismissed_by == admin_user.username
    assert not ExportJob.objects.unfinished().filter(pk=stuck.pk).exists()


def test_dismissing_needs_a_reason_and_an_unfinished_job(client, integration, company, admin_user):
    _, stuck = blocked_queue(integration, company)
    client.force_login(admin_user)
    url = reverse("dashboard:job-dismiss", kwargs={"pk": stuck.pk})

    client.post(url, {"reason": ""})
    stuck.refresh_from_db()
    assert stuck.dismissed_at is None

    ExportJob.objects.filter(pk=stuck.pk).update(status="completed")
    client.post(url, {"reason": "Done anyway"}, follow=True)
    stuck.refresh_from_db()
    assert stuck.dismissed_at is None
