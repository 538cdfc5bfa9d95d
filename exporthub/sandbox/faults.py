"""Per-company fault injection: rate limits, 5xx answers, latency and malformed bodies."""

from __future__ import annotations

import random
import time

from django.db import transaction
from django.db.models import F
from django.http import HttpResponse

from exporthub.sandbox.http import FAULT_HEADER, error_body, json_response
from exporthub.sandbox.models import Company, FaultSettings

_random = random.Random()

_STATUS_TYPES = {
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def set_faults(
    company: Company,
    *,
    rate_limit_per_second: int | None = None,
    error_rate: float = 0.0,
    latency_ms: int = 0,
    malformed_rate: float = 0.0,
    fail_next: int = 0,
    fail_status: int = 429,
    retry_after: int = 1,
) -> None:
    """Replace the company's fault settings (every argument left out is switched off)."""
    if not 0.0 <= error_rate <= 1.0 or not 0.0 <= malformed_rate <= 1.0:
        raise ValueError("error_rate and malformed_rate are fractions between 0 and 1.")
    if not 400 <= fail_status <= 599:
        raise ValueError("fail_status must be an HTTP error status (400-599).")
    if rate_limit_per_second is not None and rate_limit_per_second < 1:
        raise ValueError("rate_limit_per_second must be at least 1.")
    if latency_ms < 0 or fail_next < 0 or retry_after < 0:
        raise ValueError("latency_ms, fail_next and retry_after must not be negative.")
    FaultSettings.objects.update_or_create(
        company=company,
        defaults={
            "rate_limit_per_second": rate_limit_per_second,
            "error_rate": error_rate,
            "latency_ms": latency_ms,
            "malformed_rate": malformed_rate,
            "fail_next": fail_next,
            "fail_status": fail_status,
            "retry_after": retry_after,
            "window_second": 0,
            "window_count": 0,
        },
    )


def clear_faults(company: Company) -> None:
    """Make the company's API behave again."""
    FaultSettings.objects.filter(company=company).delete()


def injected_fault(company_id: int) -> HttpResponse | None:
    """The broken answer to give the company instead of the real one, or None to answer
    normally."""
    faults = FaultSettings.objects.filter(company_id=company_id).first()
    if faults is None:
        return None
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if faults.fail_next and _take_one_failure(faults):
        return _status_response(faults.fail_status, faults.retry_after)
    if faults.rate_limit_per_second and _over_rate_limit(faults):
        return _status_response(429, 1)
    if faults.error_rate and _random.random() < faults.error_rate:
        return _status_response(_random.choice([500, 502, 503]), None)
    if faults.malformed_rate and _random.random() < faults.malformed_rate:
        return _malformed_response()
    return None


def _take_one_failure(faults: FaultSettings) -> bool:
    taken = FaultSettings.objects.filter(pk=faults.pk, fail_next__gt=0).update(
        fail_next=F("fail_next") - 1
    )
    return taken == 1


def _over_rate_limit(faults: FaultSettings) -> bool:
    second = int(time.time())
    with transaction.atomic():
        same_window = FaultSettings.objects.filter(pk=faults.pk, window_second=second).update(
            window_count=F("window_count") + 1
        )
        if not same_window:
            FaultSettings.objects.filter(pk=faults.pk).update(window_second=second, window_count=1)
        count = FaultSettings.objects.values_list("window_count", flat=True).get(pk=faults.pk)
    return count > faults.rate_limit_per_second


def _status_response(status: int, retry_after: int | None) -> HttpResponse:
    kind = _STATUS_TYPES.get(status, f"HTTP_{status}")
    response = json_response(error_body(kind, f"Sandbox fault injection: HTTP {status}."), status)
    if status == 429 or retry_after is not None and status == 503:
        response["Retry-After"] = str(retry_after if retry_after is not None else 1)
    return response


def _malformed_response() -> HttpResponse:
    # Half the time the body is not JSON at all; otherwise it is JSON that breaks every schema.
    if _random.random() < 0.5:
        response = HttpResponse(
            b'{"data": [{"id": "truncated', content_type="application/json;charset=UTF-8"
        )
        response[FAULT_HEADER] = "malformed-json"
    else:
        response = json_response({"data": "not what the schema says", "pagination": 7})
        response[FAULT_HEADER] = "schema-breaking"
    return response
