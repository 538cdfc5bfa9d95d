from __future__ import annotations

import uuid

from exporthub.sandbox import services
from exporthub.sandbox.models import AccountingEntry, TagGroup, TaxCode
from tests.contract import SKIP_REQUEST_CHECK
from tests.sandbox.conftest import send


def test_it_searches_tax_codes(bearer_api, seeded):
    response = send(bearer_api, "POST", f"/v0/tax-codes:search?company_id={seeded.uuid}", {})
    codes = {row["code"]: row for row in response.json()["data"]}
    assert codes["I25"]["rate"] == 0.25
    assert codes["RC25"]["type"] == "reverse"
    assert codes["RC25"]["ingoingTaxAccount"] == "6910"
    assert None in codes  # one code is not mapped to the ERP
    reverse = send(bearer_api, "POST", "/v0/tax-codes:search", {"type": "reverse"}).json()
    assert [row["code"] for row in reverse["data"]] == ["RC25"]


def test_it_gets_one_tax_code(bearer_api, seeded):
    tax_code = TaxCode.objects.get(company=seeded, code="I25")
    data = bearer_api.get(f"/v0/tax-codes/{tax_code.uuid}").json()["data"]
    assert (data["id"], data["name"]) == (str(tax_code.uuid), tax_code.name)
    missing = bearer_api.get(f"/v0/tax-codes/{uuid.uuid4()}")
    assert (missing.status_code, missing.json()["type"]) == (404, "NOT_FOUND")


def test_it_lists_tag_groups_and_tags(bearer_api, seeded):
    groups = bearer_api.get("/v0/tag-groups", params={"company_id": str(seeded.uuid)}).json()
    by_code = {group["code"]: group for group in groups["data"]}
    assert set(by_code) == {"DEPT", "PROJECT"}
    tags = bearer_api.get(
        f"/v0/tag-groups/{by_code['DEPT']['id']}/tags", params={"limit": 2}
    ).json()
    assert [tag["code"] for tag in tags["data"]] == ["SALES", "MKT"]
    assert tags["pagination"]["hasNextPage"] is True


def test_it_needs_a_company_or_organization_for_tag_groups(bearer_api, seeded):
    response = bearer_api.get("/v0/tag-groups")
    assert (response.status_code, response.json()["type"]) == (400, "BAD_REQUEST")


def test_it_hides_archived_tag_groups_unless_asked(bearer_api, seeded):
    TagGroup.objects.filter(code="PROJECT").update(archived=True)
    params = {"company_id": str(seeded.uuid)}
    assert len(bearer_api.get("/v0/tag-groups", params=params).json()["data"]) == 1
    every = bearer_api.get("/v0/tag-groups", params={**params, "include_archived": "true"})
    assert len(every.json()["data"]) == 2


def test_it_searches_the_chart_of_accounts(api, seeded):
    body = {
        "companyId": str(seeded.uuid),
        "excludeIfAssignedToCategory": False,
        "excludeIfAssignedToContraAccount": False,
    }
    accounts = send(api, "POST", "/v1/chart-of-accounts:search", body).json()["data"]
    assert len(accounts) == 11
    contra_only = send(
        api, "POST", "/v1/chart-of-accounts:search", {**body, "excludeIfAssignedToCategory": True}
    ).json()["data"]
    assert [account["code"] for account in contra_only] == ["5820"]
    coded = send(api, "POST", "/v1/chart-of-accounts:search", {**body, "codes": ["6000"]})
    assert [account["name"] for account in coded.json()["data"]] == ["Meals and entertainment"]


def test_it_requires_the_chart_of_accounts_flags(api, seeded):
    response = send(api, "POST", "/v1/chart-of-accounts:search", {"companyId": str(seeded.uuid)})
    assert response.status_code == 400


def test_it_searches_vendors(api, seeded):
    path = f"/v1/vendors:search?company_id={seeded.uuid}"
    vendors = send(api, "POST", path, {}).json()["data"]
    assert len(vendors) == 7
    drafts = send(api, "POST", path, {"states": ["DRAFT"]}).json()["data"]
    assert [vendor["name"] for vendor in drafts] == ["New Supplier Ltd"]
    assert send(api, "POST", "/v1/vendors:search", {}).status_code == 400


def test_it_lists_and_gets_companies(api, company):
    listed = api.get("/v1/companies").json()
    assert [row["id"] for row in listed["data"]] == [str(company.uuid)]
    data = api.get(f"/v1/companies/{company.uuid}").json()["data"]
    assert data["name"] == "Acme ApS"
    assert api.get(f"/v1/companies/{uuid.uuid4()}").status_code == 404


def test_it_searches_the_export_queue(api, job, db):
    params = {"company_id": str(job.company.uuid), "limit": 100}
    body = {"includeDeleted": False, "exportStatus": ["QUEUED"]}
    assert (
        send(api, "POST", "/v1/accounting-entries:search", body, params=params).json()["data"] == []
    )
    exporting = send(
        api,
        "POST",
        "/v1/accounting-entries:search",
        {**body, "exportStatus": ["EXPORTING"]},
        params=params,
    )
    rows = exporting.json()["data"]
    assert len(rows) == 30
    first = rows[0]
    assert first["exportStatus"] == "EXPORTING"
    assert first["totalBillValue"]["currency"] == "DKK"
    assert isinstance(first["totalBillValue"]["minors"], int)


def test_it_pages_the_export_queue_by_twenty_by_default(api, seeded):
    params = {"company_id": str(seeded.uuid)}
    body = send(
        api, "POST", "/v1/accounting-entries:search", {"includeDeleted": False}, params=params
    ).json()
    assert len(body["data"]) == 20
    assert body["pagination"]["hasNextPage"] is True
    too_many = send(
        api,
        "POST",
        "/v1/accounting-entries:search",
        {"includeDeleted": False},
        params={**params, "limit": 101},
    )
    assert too_many.status_code == 400


def test_it_filters_the_queue_by_family_and_date(api, seeded):
    params = {"company_id": str(seeded.uuid), "limit": 100}
    body = {
        "includeDeleted": False,
        "families": ["BILL_INVOICE"],
        "performedAtStart": "2026-01-01T00:00:00Z",
    }
    rows = send(api, "POST", "/v1/accounting-entries:search", body, params=params).json()["data"]
    expected = AccountingEntry.objects.filter(company=seeded, family="BILL_INVOICE").count()
    assert len(rows) == expected > 0
    bad = send(
        api, "POST", "/v1/accounting-entries:search", {**body, "families": ["CAKE"]}, params=params
    )
    assert bad.status_code == 400


def test_it_gets_one_accounting_entry(api, seeded):
    entry = AccountingEntry.objects.filter(company=seeded).first()
    data = api.get(f"/v1/accounting-entries/{entry.uuid}").json()["data"]
    assert data["id"] == str(entry.uuid)
    assert data["reviewStatus"] == "NOT_REQUIRED"


def test_it_keeps_reads_within_the_callers_company(api, seeded, db):
    other, _ = services.create_company(name="Other A/S")
    services.seed_company(other, entries=1)
    entry = AccountingEntry.objects.get(company=other)
    assert api.get(f"/v1/accounting-entries/{entry.uuid}").status_code == 404
    response = send(api, "POST", f"/v1/vendors:search?company_id={other.uuid}", {})
    assert response.status_code == 403
    response = api.get(
        "/v0/tag-groups",
        params={"company_id": str(other.uuid)},
        extensions={SKIP_REQUEST_CHECK: True},
    )
    assert response.status_code == 403
