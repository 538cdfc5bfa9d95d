"""Every error under /api/ is an RFC 9457 problem document."""

from __future__ import annotations

from tests.api.conftest import problem_of


def test_unknown_paths_under_api_are_404_problems(api_as, users):
    api = api_as(users["viewer"])
    for path in ("/api/nothing-here", "/api/jobs/999999", "/api/items/999999"):
        response = api.get(path)
        assert response.status_code == 404, path
        body = problem_of(response)
        assert body["instance"] == path
        assert body["type"] in ("urn:exporthub:problem:not-found", "about:blank")


def test_ninjas_validation_errors_are_problems_with_field_errors(api_as, users, integration):
    api = api_as(users["admin"])
    response = api.post(f"integrations/{integration.pk}/mappings", {"kind": "account"})
    body = problem_of(response)
    assert response.status_code == 422
    assert body["type"] == "urn:exporthub:problem:validation"
    fields = {error["field"] for error in body["errors"]}
    assert {"body.data.pleo_key", "body.data.erp_key"} <= fields
    assert problem_of(api.get("jobs", {"limit": "many"}))["errors"][0]["field"] == "query.limit"


def test_form_errors_are_problems_with_field_errors(api_as, users, integration):
    api = api_as(users["admin"])
    response = api.post(
        f"integrations/{integration.pk}/mappings",
        {"kind": "no-such-kind", "pleo_key": "6000", "erp_key": "Expenses:Food"},
    )
    body = problem_of(response)
    assert response.status_code == 422
    assert [error["field"] for error in body["errors"]] == ["kind"]
    queue = api.get(f"integrations/{integration.pk}/queue", {"date_from": "yesterday"})
    assert queue.status_code == 422
    assert problem_of(queue)["errors"][0]["field"] == "date_from"


def test_wrong_method_bad_json_and_bad_cursor_are_problems(api_as, users):
    api = api_as(users["accountant"])
    bad_json = api.client.post(
        "/api/items/bulk-corrections", "{not json", content_type="application/json",
        headers=api.headers(),
    )  # fmt: skip
    assert bad_json.status_code in (400, 422)
    problem_of(bad_json)
    cursor = api.get("jobs", {"cursor": "forged"})
    assert cursor.status_code == 400
    assert problem_of(cursor)["type"] == "urn:exporthub:problem:bad-cursor"
    assert problem_of(api.get("jobs", {"limit": 0}))["status"] == 422
    wrong = api.get("items/bulk-corrections")
    assert wrong.status_code == 405
    assert problem_of(wrong)["type"] == "urn:exporthub:problem:method-not-allowed"
    assert wrong["Allow"] == "POST"


def test_role_failures_are_403_problems_naming_the_role(api_as, users, integration):
    response = api_as(users["viewer"]).post(f"integrations/{integration.pk}/run-now")
    body = problem_of(response)
    assert response.status_code == 403
    assert body["required_role"] == "accountant"
