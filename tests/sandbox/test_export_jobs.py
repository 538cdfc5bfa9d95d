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
