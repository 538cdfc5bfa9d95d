"""The contract checker itself must catch violations, or every contract test proves nothing."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.contract import Contract, ContractCheckingTransport, ContractViolation

JOB = {
    "id": "6f1c2a90-4b7e-4c55-9d0e-2a6b1f3c8e71",
    "companyId": "0b7d4c1e-2f3a-4e5b-8c9d-1a2b3c4d5e6f",
    "createdAt": "2026-05-04T09:12:44Z",
    "expiresIn": 3600,
    "isInteractive": True,
    "numberOfItems": 2,
    "status": "pending",
    "vendorBasedBookkeeping": False,
}
AUTH = {"authorization": "Basic a2V5Og=="}


def fake_pleo(status: int, payload) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status,
            content=json.dumps(payload).encode(),
            headers={"content-type": "application/json;charset=UTF-8"},
        )

    return httpx.MockTransport(handler)


def client_for(transport: httpx.BaseTransport, contract: Contract) -> httpx.Client:
    checked = ContractCheckingTransport(transport, contract)
    return httpx.Client(base_url="http://pleo.test/api", transport=checked, headers=AUTH)


def test_it_accepts_a_response_that_matches_the_spec():
    contract = Contract(base_path="/api")
    client = client_for(fake_pleo(200, {"data": JOB}), contract)
    assert client.get(f"/v3/export-jobs/{JOB['id']}").status_code == 200
    assert contract.violations == []


def test_it_rejects_a_response_missing_a_required_field():
    contract = Contract(base_path="/api")
    broken = {key: value for key, value in JOB.items() if key != "status"}
    client = client_for(fake_pleo(200, {"data": broken}), contract)
    with pytest.raises(ContractViolation, match="status"):
        client.get(f"/v3/export-jobs/{JOB['id']}")
    assert len(contract.violations) == 1


def test_it_rejects_an_unknown_enum_value_in_a_request():
    contract = Contract(base_path="/api")
    client = client_for(fake_pleo(202, None), contract)
    with pytest.raises(ContractViolation, match="request POST /v3/export-job-events"):
        client.post("/v3/export-job-events", json={"event": "paused", "jobId": JOB["id"]})


def test_it_rejects_an_error_body_that_is_not_exception_info():
    contract = Contract(base_path="/api")
    client = client_for(fake_pleo(401, {"error": "nope"}), contract)
    with pytest.raises(ContractViolation, match="ExceptionInfo"):
        client.get(f"/v3/export-jobs/{JOB['id']}")


def test_it_ignores_paths_outside_the_spec():
    contract = Contract(base_path="/api")
    client = client_for(fake_pleo(200, {"anything": 1}), contract)
    assert client.post("/oauth/token").status_code == 200
    assert contract.violations == []


def test_it_still_checks_timestamps_after_dropping_the_specs_date_layout_patterns():
    contract = Contract(base_path="/api")
    client = client_for(fake_pleo(200, {"data": {**JOB, "createdAt": "yesterday"}}), contract)
    with pytest.raises(ContractViolation, match="createdAt|yesterday"):
        client.get(f"/v3/export-jobs/{JOB['id']}")


def test_it_accepts_an_api_key_on_the_tax_code_api_too():
    contract = Contract(base_path="/api")
    request = httpx.Request(
        "POST",
        "http://pleo.test/api/v0/tax-codes:search",
        params={"company_id": JOB["companyId"]},
        content=b"{}",
        headers={**AUTH, "content-type": "application/json;charset=UTF-8"},
    )
    contract.validate_request(request)
    assert contract.violations == []
