from __future__ import annotations

import httpx

from exporthub.sandbox import services
from exporthub.sandbox.models import Account, ExportJob
from tests.sandbox.conftest import send


def test_it_returns_export_items_matching_the_spec(api, job):
    response = api.get("/v3/export-items", params={"job_id": str(job.uuid), "limit": 100})
    assert response.status_code == 200
    items = response.json()["data"]
    assert len(items) == 30
    assert {item["companyId"] for item in items} == {str(job.company.uuid)}
    assert all(item["accountingEntryLines"] for item in items)


def test_it_serves_the_receipt_files_it_links(api, job):
    items = api.get("/v3/export-items", params={"job_id": str(job.uuid), "limit": 100}).json()[
        "data"
    ]
    files = [file for item in items for file in item["files"] or []]
    kinds = {file["type"] for file in files}
    assert kinds == {"application/pdf", "image/png"}
    for file in files[:5]:
        download = httpx.Client(transport=api._transport).get(file["url"])
        assert download.status_code == 200
        assert download.headers["content-type"] == file["type"]
        assert len(download.content) == file["size"]
        assert download.content[:4] in (b"%PDF", b"\x89PNG")


def test_it_refuses_a_forged_file_link(api, job):
    response = httpx.Client(transport=api._transport).get(
        "http://testserver/sandbox/pleo/files/not-a-signed-token"
    )
    assert response.status_code == 404


def test_it_returns_items_of_the_open_job_without_a_job_id(api, job):
    response = api.get("/v3/export-items", params={"limit": 5})
    assert len(response.json()["data"]) == 5
    assert response.json()["pagination"]["total"] == 30


def test_it_adds_vendor_and_bookkeeping_for_vendor_based_jobs(api, seeded):
    job = services.create_export_job(seeded, vendor_based_bookkeeping=True)
    items = api.get("/v3/export-items", params={"job_id": str(job.uuid), "limit": 100}).json()[
        "data"
    ]
    assert all(
        item["bookkeeping"]["method"] in ("journal", "accounts_payable", "none") for item in items
    )
    invoices = [item for item in items if item["type"] == "invoice"]
    assert invoices
    assert all(item["vendor"]["id"] for item in invoices)
    assert {item["bookkeeping"]["method"] for item in invoices} == {"accounts_payable"}


def test_it_refuses_items_of_a_finished_job(api, job):
    ExportJob.objects.filter(pk=job.pk).update(status="completed")
    response = api.get("/v3/export-items", params={"job_id": str(job.uuid)})
    assert response.status_code == 422
    assert response.json()["type"] == "EXPORT_JOB_STATUS_UNPROCESSABLE"


def test_it_answers_missing_contra_accounts(api, job):
    Account.objects.filter(contra_currency__isnull=False).update(archived=True)
    response = api.get("/v3/export-items", params={"job_id": str(job.uuid)})
    assert response.status_code == 400
    assert response.json()["type"] == "MISSING_CONTRA_ACCOUNTS"


def test_it_refuses_to_create_a_job_without_contra_accounts(api, seeded):
    Account.objects.filter(contra_currency__isnull=False).delete()
    body = {"companyId": str(seeded.uuid), "accountingEntryIds": []}
    response = send(api, "POST", "/v3/export-jobs", body)
    assert response.status_code == 400
    assert response.json()["type"] == "MISSING_CONTRA_ACCOUNTS"


def test_it_refuses_a_second_unfinished_job(api, job):
    body = {"companyId": str(job.company.uuid), "accountingEntryIds": []}
    response = send(api, "POST", "/v3/export-jobs", body)
    assert response.status_code == 409
    assert response.json() == {
        "type": "EXPORT_ALREADY_IN_PROGRESS",
        "message": "Export Job already in progress for this company.",
    }


def test_it_raises_the_api_error_type_from_the_service(job):
    try:
        services.create_export_job(job.company)
    except services.SandboxError as error:
        assert (error.status, error.type) == (409, "EXPORT_ALREADY_IN_PROGRESS")
    else:
        raise AssertionError("a second job was created")
