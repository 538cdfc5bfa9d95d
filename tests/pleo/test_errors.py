from __future__ import annotations

import logging

import pytest

from exporthub.pleo.errors import (
    ERROR_TYPES,
    ExportAlreadyInProgress,
    ExportJobItemsUpdateLimit,
    ExportJobStatusUnprocessable,
    ExportNotFound,
    InvalidExportJobStatusChange,
    MissingContraAccounts,
    PleoClientError,
    PleoError,
    PleoMalformedResponse,
    PleoServerError,
    PleoUnauthorized,
    UnsupportedApiVersion,
    error_for_status,
)
from exporthub.pleo.retry import RetryPolicy
from exporthub.sandbox import services


def test_it_raises_unauthorized_for_a_wrong_api_key(make_client, acme, caplog):
    pleo = make_client("plp_not-a-real-key", acme.id)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PleoUnauthorized) as caught:
        list(pleo.list_jobs())

    assert caught.value.status == 401
    assert caught.value.method == "GET"
    assert caught.value.path == "/v3/export-jobs"
    assert "plp_not-a-real-key" not in str(caught.value)
    assert "plp_not-a-real-key" not in caplog.text
    assert "Authorization" not in str(caught.value)


def test_it_raises_malformed_response_for_a_body_that_is_not_what_pleo_promises(pleo, acme):
    services.seed_company(acme.company, entries=2)
    job_id = str(services.create_export_job(acme.company).uuid)
    services.set_faults(acme.company, malformed_rate=1.0)

    # The sandbox sends either truncated JSON or JSON that breaks the schema; both are caught.
    for _ in range(6):
        with pytest.raises(PleoMalformedResponse) as caught:
            list(pleo.list_job_items(job_id))
        assert caught.value.method == "GET"
        assert caught.value.path == f"/v3/export-jobs/{job_id}/items"


def test_it_maps_every_documented_error_type_to_its_own_class():
    assert {
        "EXPORT_NOT_FOUND": ExportNotFound,
        "INVALID_EXPORT_JOB_STATUS_CHANGE": InvalidExportJobStatusChange,
        "EXPORT_ALREADY_IN_PROGRESS": ExportAlreadyInProgress,
        "EXPORT_JOB_ITEMS_UPDATE_LIMIT": ExportJobItemsUpdateLimit,
        "EXPORT_JOB_STATUS_UNPROCESSABLE": ExportJobStatusUnprocessable,
        "MISSING_CONTRA_ACCOUNTS": MissingContraAccounts,
        "UNSUPPORTED_API_VERSION": UnsupportedApiVersion,
    } == ERROR_TYPES
    assert all(issubclass(cls, PleoClientError) for cls in ERROR_TYPES.values())
    assert all(cls.__doc__ for cls in ERROR_TYPES.values())


def test_it_keeps_an_unknown_error_type_on_the_generic_class(pleo, acme):
    # A job id that is not a UUID: the sandbox answers 400 with its own error type.
    with pytest.raises(PleoClientError) as caught:
        pleo.request(
            "GET",
            "/v3/export-jobs/not-a-uuid",
            extensions={"contract_skip_request_check": True},
        )

    assert type(caught.value) is PleoClientError
    assert caught.value.status == 400
    assert caught.value.type
    assert isinstance(caught.value, PleoError)


def test_it_accepts_pleos_lowercase_spelling_of_an_error_type():
    # One Pleo FAQ shows `missing_contra_accounts`; the class must not depend on the case.
    body = b'{"type": "missing_contra_accounts", "message": "Map a contra account for EUR."}'

    error = error_for_status(400, body, method="GET", path="/v3/export-items")

    assert type(error) is MissingContraAccounts
    assert error.message == "Map a contra account for EUR."
    assert str(error) == (
        "Map a contra account for EUR. (missing_contra_accounts, HTTP 400, GET /v3/export-items)"
    )


def test_it_describes_an_error_answer_without_a_pleo_body(make_client, acme):
    services.set_faults(acme.company, fail_next=1, fail_status=502)
    pleo = make_client(acme.api_key, acme.id, retry_policy=RetryPolicy(max_attempts=1))

    with pytest.raises(PleoServerError) as caught:
        list(pleo.list_jobs())

    assert str(caught.value).startswith("Sandbox fault injection: HTTP 502. (BAD_GATEWAY, HTTP 502")
    assert str(error_for_status(503, b"<html>busy</html>", method="GET", path="/x")) == (
        "Service Unavailable (HTTP 503, GET /x)"
    )
