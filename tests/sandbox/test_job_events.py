from __future__ import annotations

import pytest

from exporthub.sandbox.models import AccountingEntry, ExportJob, ExportJobItem
from tests.sandbox.conftest import send

ALL_EVENTS = ["started", "failed", "completed", "completed_with_errors"]
ALLOWED = {
    ("pending", "started"): "in_progress",
    ("pending", "failed"): "failed",
    ("in_progress", "completed"): "completed",
    ("in_progress", "completed_with_errors"): "completed_with_errors",
    ("in_progress", "failed"): "failed",
}
STATUSES = ["pending", "in_progress", "completed", "completed_with_errors", "failed"]


def event(api, job, name, **extra):
    return send(
        api, "POST", "/v3/export-job-events", {"event": name, "jobId": str(job.uuid), **extra}
    )


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("name", ALL_EVENTS)
def test_it_follows_the_state_machine_table(api, job, status, name):
    ExportJob.objects.filter(pk=job.pk).update(status=status)
    response = event(api, job, name)
    job.refresh_from_db()
    if (status, name) in ALLOWED:
        assert response.status_code == 202
        assert job.status == ALLOWED[(status, name)]
    else:
        assert response.status_code == 422
        assert response.json() == {
            "type": "INVALID_EXPORT_JOB_STATUS_CHANGE",
            "message": "Export Job status change failed",
        }
        assert job.status == status


def test_it_sets_started_at_and_marks_entries_exporting(api, job):
    assert event(api, job, "started").status_code == 202
    data = api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]
    assert data["status"] == "in_progress"
    assert data["startedAt"] is not None
    assert data["completedAt"] is None
    assert set(AccountingEntry.objects.values_list("export_status", flat=True)) == {"EXPORTING"}


def test_it_sets_completed_at_on_a_terminal_event(api, job):
    event(api, job, "started")
    event(api, job, "completed_with_errors")
    data = api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]
    assert data["status"] == "completed_with_errors"
    assert data["completedAt"] is not None
    assert data["expiresIn"] == 0


def test_it_abandons_unfinished_items_when_the_job_fails(api, job):
    event(api, job, "started")
    done = ExportJobItem.objects.filter(job=job).first()
    body = [
        {"accountingEntryId": str(done.entry.uuid), "status": "successful", "externalId": "JE-1"}
    ]
    send(api, "PUT", f"/v3/export-jobs/{job.uuid}/items", body)
    response = event(
        api,
        job,
        "failed",
        failureReasonType="accounting_system_unreachable",
        failureReason="ERP down",
    )
    assert response.status_code == 202
    data = api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]
    assert (data["status"], data["failureReasonType"]) == (
        "failed",
        "accounting_system_unreachable",
    )
    assert data["failureReason"] == "ERP down"
    assert data["completedAt"] is not None
    statuses = list(ExportJobItem.objects.filter(job=job).values_list("status", flat=True))
    assert statuses.count("successful") == 1
    assert statuses.count("abandoned") == 29
    exported = AccountingEntry.objects.filter(export_status="EXPORTED")
    assert list(exported) == [done.entry]
    assert AccountingEntry.objects.filter(export_status="QUEUED").count() == 29


def test_it_refreshes_last_updated_at_on_events(api, job, time_machine):
    time_machine.move_to(job.last_updated_at, tick=False)
    time_machine.shift(600)
    event(api, job, "started")
    data = api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]
    assert data["lastUpdatedAt"] == data["startedAt"]
    assert data["expiresIn"] == 3600


def test_it_rejects_an_unknown_event(api, job):
    from tests.contract import SKIP_REQUEST_CHECK

    response = api.post(
        "/v3/export-job-events",
        content=b'{"event": "paused", "jobId": "%s"}' % str(job.uuid).encode(),
        headers={"content-type": "application/json;charset=UTF-8"},
        extensions={SKIP_REQUEST_CHECK: True},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "BAD_REQUEST"
