from __future__ import annotations

import uuid

from exporthub.sandbox import services
from exporthub.sandbox.models import AccountingEntry, ExportJob, ExportJobItem
from tests.contract import SKIP_REQUEST_CHECK
from tests.sandbox.conftest import JSON, send


def entry_ids(job):
    return [
        str(i.entry.uuid) for i in ExportJobItem.objects.filter(job=job).select_related("entry")
    ]


def test_it_lists_the_items_of_a_job(api, job):
    body = api.get(f"/v3/export-jobs/{job.uuid}/items", params={"limit": 100}).json()
    assert len(body["data"]) == 30
    assert {item["status"] for item in body["data"]} == {"pending"}
    assert {item["exportJobId"] for item in body["data"]} == {str(job.uuid)}
    assert body["pagination"]["hasNextPage"] is False


def test_it_filters_items_by_status(api, job):
    first = entry_ids(job)[0]
    send(
        api,
        "PUT",
        f"/v3/export-jobs/{job.uuid}/items",
        [{"accountingEntryId": first, "status": "failed"}],
    )
    failed = api.get(f"/v3/export-jobs/{job.uuid}/items", params={"status": "failed"}).json()
    assert [item["accountingEntryId"] for item in failed["data"]] == [first]


def test_it_updates_items(api, job):
    first, second = entry_ids(job)[:2]
    body = [
        {
            "accountingEntryId": first,
            "status": "successful",
            "exportedAt": "2026-05-04T09:12:44Z",
            "externalId": "JE-2026-00417",
            "externalUrl": "https://erp.example.test/journal/JE-2026-00417",
        },
        {
            "accountingEntryId": second,
            "status": "failed",
            "failureReasonType": "account_unknown",
            "failureReason": "GL account 6840 does not exist in the ERP.",
        },
    ]
    response = send(api, "PUT", f"/v3/export-jobs/{job.uuid}/items", body)
    assert response.status_code == 200
    payload = response.json()
    assert payload["errors"] == []
    by_id = {item["accountingEntryId"]: item for item in payload["data"]}
    assert by_id[first]["status"] == "successful"
    assert by_id[first]["exportedAt"] == "2026-05-04T09:12:44Z"
    assert by_id[first]["externalId"] == "JE-2026-00417"
    assert by_id[second]["failureReasonType"] == "account_unknown"
    statuses = dict(AccountingEntry.objects.values_list("uuid", "export_status"))
    assert statuses[uuid.UUID(first)] == "EXPORTED"
    assert statuses[uuid.UUID(second)] == "QUEUED"


def test_it_reports_per_item_errors_with_a_200(api, job, db):
    other, _ = services.create_company(name="Elsewhere ApS")
    services.seed_company(other, entries=1)
    foreign = str(AccountingEntry.objects.get(company=other).uuid)
    unknown = str(uuid.uuid4())
    mine = entry_ids(job)[0]
    queued_elsewhere = AccountingEntry.objects.create(
        **{
            f.name: getattr(AccountingEntry.objects.get(uuid=mine), f.name)
            for f in AccountingEntry._meta.concrete_fields
            if f.name not in ("id", "uuid")
        }
    )
    body = [
        {"accountingEntryId": unknown, "status": "successful"},
        {"accountingEntryId": foreign, "status": "successful"},
        {"accountingEntryId": str(queued_elsewhere.uuid), "status": "successful"},
        {"accountingEntryId": mine, "status": "successful"},
    ]
    response = send(api, "PUT", f"/v3/export-jobs/{job.uuid}/items", body)
    assert response.status_code == 200
    payload = response.json()
    assert [item["accountingEntryId"] for item in payload["data"]] == [mine]
    assert [(e["accountingEntryId"], e["type"]) for e in payload["errors"]] == [
        (unknown, "ACCOUNTING_ENTRY_DOES_NOT_EXIST"),
        (foreign, "ACCOUNTING_ENTRY_DOES_NOT_EXIST"),
        (str(queued_elsewhere.uuid), "EXPORT_ENTRY_STATUS_UPDATE_FAILED"),
    ]


def test_it_refuses_more_than_100_items(api, job):
    body = [{"accountingEntryId": str(uuid.uuid4()), "status": "successful"} for _ in range(101)]
    response = send(api, "PUT", f"/v3/export-jobs/{job.uuid}/items", body)
    assert response.status_code == 413
    assert response.json() == {
        "type": "EXPORT_JOB_ITEMS_UPDATE_LIMIT",
        "message": "Number of items to update is more than 100.",
    }


def test_it_accepts_exactly_100_items(api, db):
    company, key = services.create_company(name="Hundred ApS")
    services.seed_company(company, entries=100)
    job = services.create_export_job(company)
    api.auth = (key, "")
    body = [{"accountingEntryId": e, "status": "successful"} for e in entry_ids(job)]
    response = send(api, "PUT", f"/v3/export-jobs/{job.uuid}/items", body)
    assert response.status_code == 200
    assert len(response.json()["data"]) == 100


def test_it_refuses_updates_to_a_finished_job(api, job):
    ExportJob.objects.filter(pk=job.pk).update(status="completed")
    body = [{"accountingEntryId": entry_ids(job)[0], "status": "successful"}]
    response = send(api, "PUT", f"/v3/export-jobs/{job.uuid}/items", body)
    assert response.status_code == 422
    assert response.json() == {
        "type": "EXPORT_JOB_STATUS_UNPROCESSABLE",
        "message": "Export job is finished.",
    }


def test_it_answers_404_for_items_of_an_unknown_job(api, seeded):
    assert api.get(f"/v3/export-jobs/{uuid.uuid4()}/items").json()["type"] == "EXPORT_NOT_FOUND"
    response = send(api, "PUT", f"/v3/export-jobs/{uuid.uuid4()}/items", [])
    assert (response.status_code, response.json()["type"]) == (404, "EXPORT_NOT_FOUND")


def test_it_rejects_a_wrapped_body(api, job):
    response = api.put(
        f"/v3/export-jobs/{job.uuid}/items",
        content=b'{"items": []}',
        headers={"content-type": JSON},
        extensions={SKIP_REQUEST_CHECK: True},
    )
    assert (response.status_code, response.json()["type"]) == (400, "BAD_REQUEST")


def test_it_rejects_an_unknown_item_status(api, job):
    response = api.put(
        f"/v3/export-jobs/{job.uuid}/items",
        content=b'[{"accountingEntryId": "%s", "status": "done"}]' % entry_ids(job)[0].encode(),
        headers={"content-type": JSON},
        extensions={SKIP_REQUEST_CHECK: True},
    )
    assert response.status_code == 400
    assert "status" in response.json()["message"]


def test_it_refreshes_last_updated_at_on_item_updates(api, job, time_machine):
    time_machine.move_to(job.last_updated_at, tick=False)
    time_machine.shift(1800)
    send(
        api,
        "PUT",
        f"/v3/export-jobs/{job.uuid}/items",
        [{"accountingEntryId": entry_ids(job)[0], "status": "in_progress"}],
    )
    assert api.get(f"/v3/export-jobs/{job.uuid}").json()["data"]["expiresIn"] == 3600
