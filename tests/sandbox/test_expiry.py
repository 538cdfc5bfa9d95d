from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command

from exporthub.sandbox import services
from exporthub.sandbox.models import AccountingEntry, ExportJob, ExportJobItem
from tests.sandbox.conftest import send


def test_it_counts_expires_in_down_from_last_updated_at(api, job, time_machine):
    time_machine.move_to(job.last_updated_at, tick=False)
    time_machine.shift(1000)
    assert api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]["expiresIn"] == 2600


def test_it_expires_an_idle_job_when_it_is_read(api, job, time_machine):
    time_machine.move_to(job.last_updated_at + timedelta(seconds=3601), tick=False)
    data = api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]
    assert data["status"] == "failed"
    assert data["failureReasonType"] == "job_expired"
    assert data["expiredAt"] is not None
    assert data["completedAt"] == data["expiredAt"]
    assert set(ExportJobItem.objects.values_list("status", flat=True)) == {"abandoned"}
    assert set(AccountingEntry.objects.values_list("export_status", flat=True)) == {"QUEUED"}


def test_it_refuses_writes_to_an_expired_job(api, job, time_machine):
    time_machine.move_to(job.last_updated_at + timedelta(hours=2), tick=False)
    started = send(
        api, "POST", "/v3/export-job-events", {"event": "started", "jobId": str(job.uuid)}
    )
    assert started.json()["type"] == "INVALID_EXPORT_JOB_STATUS_CHANGE"
    entry = str(ExportJobItem.objects.filter(job=job).first().entry.uuid)
    update = send(
        api,
        "PUT",
        f"/v3/export-jobs/{job.uuid}/items",
        [{"accountingEntryId": entry, "status": "successful"}],
    )
    assert update.json()["type"] == "EXPORT_JOB_STATUS_UNPROCESSABLE"


def test_it_lets_a_new_job_replace_an_expired_one(job, time_machine):
    time_machine.move_to(job.last_updated_at + timedelta(hours=2), tick=False)
    second = services.create_export_job(job.company)
    assert second.number_of_items == 30
    job.refresh_from_db()
    assert job.failure_reason_type == "job_expired"


def test_it_expires_idle_jobs_from_the_service(job, time_machine):
    assert services.expire_idle_jobs() == 0
    assert services.expire_idle_jobs(now=job.last_updated_at + timedelta(seconds=3600)) == 1
    assert ExportJob.objects.get().status == "failed"


def test_it_expires_idle_jobs_from_the_command(job, time_machine, capsys):
    time_machine.move_to(job.last_updated_at + timedelta(hours=1, seconds=1), tick=False)
    call_command("sandbox_expire")
    assert "Expired 1 export job" in capsys.readouterr().out
    assert ExportJob.objects.get().expired_at is not None


def test_it_honours_the_expiry_setting(api, job, settings, time_machine):
    settings.SANDBOX_JOB_EXPIRY_SECONDS = 60
    time_machine.move_to(job.last_updated_at + timedelta(seconds=59), tick=False)
    assert api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]["expiresIn"] == 1
    time_machine.shift(1)
    assert api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]["status"] == "failed"
