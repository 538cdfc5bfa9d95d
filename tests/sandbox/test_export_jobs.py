from __future__ import annotations

import uuid

from exporthub.sandbox import services
from exporthub.sandbox.models import AccountingEntry, ExportJob
from tests.sandbox.conftest import send


def test_it_lists_jobs(api, job):
    response = api.get("/v3/export-jobs")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    body = response.json()
    assert [row["id"] for row in body["data"]] == [str(job.uuid)]
    assert body["data"][0]["status"] == "pending"
    assert body["data"][0]["numberOfItems"] == 30
    assert 3590 <= body["data"][0]["expiresIn"] <= 3600
    assert body["pagination"]["total"] == 1


def test_it_filters_jobs_by_status(api, job):
    assert api.get("/v3/export-jobs", params={"statuses": ["completed"]}).json()["data"] == []
    pending = api.get("/v3/export-jobs", params={"statuses": ["pending", "in_progress"]})
    assert len(pending.json()["data"]) == 1


def test_it_creates_a_job_through_the_api(api, seeded):
    ids = [str(e.uuid) for e in AccountingEntry.objects.filter(company=seeded)[:3]]
    response = send(
        api,
        "POST",
        "/v3/export-jobs",
        {"companyId": str(seeded.uuid), "accountingEntryIds": ids, "isInteractive": False},
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["numberOfItems"] == 3
    assert data["isInteractive"] is False
    assert data["vendorBasedBookkeeping"] is False
    assert AccountingEntry.objects.filter(export_status="EXPORTING").count() == 3


def test_it_gets_one_job(api, job):
    response = api.get(f"/v3/export-jobs/{job.uuid}")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == str(job.uuid)


def test_it_answers_404_for_an_unknown_job(api, seeded):
    response = api.get(f"/v3/export-jobs/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response.json() == {"type": "EXPORT_NOT_FOUND", "message": "Export job not found."}


def test_it_hides_another_companys_job(api, db):
    other, _ = services.create_company(name="Other A/S")
    services.seed_company(other, entries=2)
    other_job = services.create_export_job(other)
    assert api.get(f"/v3/export-jobs/{other_job.uuid}").json()["type"] == "EXPORT_NOT_FOUND"
    assert ExportJob.objects.count() == 1


def create(api, company, ids):
    body = {"companyId": str(company.uuid), "accountingEntryIds": ids, "isInteractive": False}
    return send(api, "POST", "/v3/export-jobs", body)


def test_it_exports_an_exported_entry_again_when_asked_by_id(api, seeded):
    entries = list(AccountingEntry.objects.filter(company=seeded).order_by("pk")[:2])
    AccountingEntry.objects.filter(pk=entries[0].pk).update(export_status="EXPORTED")
    response = create(api, seeded, [str(entry.uuid) for entry in entries])
    assert response.status_code == 201
    assert response.json()["data"]["numberOfItems"] == 2
    statuses = dict(
        AccountingEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list(
            "pk", "export_status"
        )
    )
    # The re-exported entry stays exported while its new job runs; the queued one is exporting.
    assert statuses == {entries[0].pk: "EXPORTED", entries[1].pk: "EXPORTING"}


def test_a_reexport_that_ends_without_a_result_leaves_the_entry_exported(api, seeded):
    entry = AccountingEntry.objects.filter(company=seeded).order_by("pk").first()
    AccountingEntry.objects.filter(pk=entry.pk).update(export_status="EXPORTED")
    job_id = create(api, seeded, [str(entry.uuid)]).json()["data"]["id"]
    body = {"event": "failed", "jobId": job_id, "failureReasonType": "invalid_configuration"}
    assert send(api, "POST", "/v3/export-job-events", body).status_code == 202
    entry.refresh_from_db()
    assert entry.export_status == "EXPORTED"


def test_it_refuses_entries_being_exported_and_the_whole_queue_excludes_exported_ones(api, seeded):
    exporting = AccountingEntry.objects.filter(company=seeded).order_by("pk").first()
    AccountingEntry.objects.filter(pk=exporting.pk).update(export_status="EXPORTING")
    response = create(api, seeded, [str(exporting.uuid)])
    assert response.status_code == 400
    AccountingEntry.objects.filter(pk=exporting.pk).update(export_status="EXPORTED")
    whole_queue = services.create_export_job(seeded)
    assert whole_queue.number_of_items == 29  # the web app's Export takes queued entries only
