from __future__ import annotations

import pytest

from tests.contract import SKIP_REQUEST_CHECK
from tests.sandbox.conftest import JSON

UNCHECKED = {SKIP_REQUEST_CHECK: True}


def test_it_rejects_a_malformed_uuid_in_the_path(api, job):
    response = api.get("/v3/export-jobs/not-a-uuid", extensions=UNCHECKED)
    assert response.status_code == 400
    assert response.json()["type"] == "BAD_REQUEST"
    assert "jobId" in response.json()["message"]


def test_it_rejects_malformed_json(api, job):
    response = api.post(
        "/v3/export-job-events",
        content=b'{"event": "started",',
        headers={"content-type": JSON},
        extensions=UNCHECKED,
    )
    assert response.status_code == 400
    assert response.json() == {
        "type": "BAD_REQUEST",
        "message": "The request body is not valid JSON.",
    }


@pytest.mark.parametrize(
    "params",
    [
        {"statuses": "paused"},
        {"limit": "-1"},
        {"limit": "many"},
        {"after": "lowercase"},
        {"after": "MFRGG==="},
        {"after": "OBVTUMI=", "before": "OBVTUMI="},
        {"offset": "3", "after": "OBVTUMI="},
        {"sorting_keys": "createdAt", "sorting_order": "UP"},
        {"company_id": "123"},
    ],
)
def test_it_rejects_bad_query_parameters(api, job, params):
    response = api.get("/v3/export-jobs", params=params, extensions=UNCHECKED)
    assert response.status_code == 400
    assert response.json()["type"] == "BAD_REQUEST"


def test_it_rejects_a_create_without_entry_ids(api, job):
    response = api.post(
        "/v3/export-jobs",
        content=b'{"companyId": "%s"}' % str(job.company.uuid).encode(),
        headers={"content-type": JSON},
        extensions=UNCHECKED,
    )
    assert response.status_code == 400
    assert "accountingEntryIds" in response.json()["message"]


def test_it_answers_405_with_an_exception_info(api, job):
    response = api.delete(f"/v3/export-jobs/{job.uuid}", extensions=UNCHECKED)
    assert response.status_code == 405
    assert response.json()["type"] == "METHOD_NOT_ALLOWED"
