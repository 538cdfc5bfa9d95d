from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from exporthub.sandbox import oauth, services
from exporthub.sandbox.models import ApiKey
from tests.contract import SKIP_REQUEST_CHECK
from tests.sandbox.conftest import send

UNCHECKED = {SKIP_REQUEST_CHECK: True}


def test_it_answers_401_without_credentials(sandbox_http, job):
    response = sandbox_http.get("/v3/export-jobs", extensions=UNCHECKED)
    assert response.status_code == 401
    assert response.json()["type"] == "UNAUTHORIZED"
    assert response.headers["content-type"] == "application/json;charset=UTF-8"


@pytest.mark.parametrize(
    "header",
    ["Basic bm90LWEta2V5Og==", "Basic !!!", "Bearer not-a-token", "Token abc"],
)
def test_it_answers_401_for_bad_credentials(sandbox_http, job, header):
    response = sandbox_http.get(
        "/v3/export-jobs", headers={"authorization": header}, extensions=UNCHECKED
    )
    assert (response.status_code, response.json()["type"]) == (401, "UNAUTHORIZED")


def test_it_answers_401_for_a_revoked_key(api, company):
    ApiKey.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert api.get("/v3/export-jobs").status_code == 401


def test_it_accepts_any_of_several_keys(api, company):
    api.auth = (services.create_api_key(company), "")
    assert api.get("/v3/export-jobs").status_code == 200


def test_it_answers_403_for_another_companys_id(api, job, db):
    other, _ = services.create_company(name="Other A/S")
    response = api.get("/v3/export-jobs", params={"company_id": str(other.uuid)})
    assert (response.status_code, response.json()["type"]) == (403, "FORBIDDEN")
    body = {"companyId": str(other.uuid), "accountingEntryIds": []}
    assert send(api, "POST", "/v3/export-jobs", body).status_code == 403


def test_it_accepts_its_own_company_id(api, job):
    response = api.get("/v3/export-jobs", params={"company_id": str(job.company.uuid)})
    assert len(response.json()["data"]) == 1


def test_it_accepts_an_oauth_access_token(bearer_api, job):
    assert bearer_api.get(f"/v3/export-jobs/{job.uuid}").status_code == 200


def test_it_checks_the_scopes_of_an_oauth_token(sandbox_http, job):
    client, _ = services.create_oauth_client(job.company, redirect_uri="http://hub.test/cb")
    tokens = oauth._issue_tokens(client, scope="export-jobs:read", grant=None)
    sandbox_http.headers["authorization"] = f"Bearer {tokens['access_token']}"
    assert sandbox_http.get("/v3/export-jobs").status_code == 200
    response = sandbox_http.get("/v3/export-items", params={"job_id": str(job.uuid)})
    assert (response.status_code, response.json()["type"]) == (403, "FORBIDDEN")


def test_it_refuses_an_expired_access_token(bearer_api, job, time_machine):
    from django.utils import timezone

    time_machine.move_to(timezone.now() + timedelta(seconds=3601), tick=False)
    assert bearer_api.get(f"/v3/export-jobs/{uuid.uuid4()}").status_code == 401
