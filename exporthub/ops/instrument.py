"""Counting the hub's HTTP calls to Pleo: a transport wrapper the engine's client goes through.

`settings.PLEO_TRANSPORT_FACTORY` names `measured_pleo_transport`, so every Pleo client the hub
builds (sync/wiring.py) counts its calls, their time and their outcome into `CallTally`. A retry
is one more call, so 429 and 5xx outcomes are the retries Pleo asked for.
"""

from __future__ import annotations

import re
import time

import httpx
from django.db import IntegrityError, transaction
from django.db.models import F

from exporthub.ops.models import CallTally

_VERSIONED_PATH = re.compile(r"/v\d+/.*$")
_ID_SEGMENT = re.compile(r"/(?=[^/]*\d)[^/:]{8,}(?=/|:|$)")


def operation(request: httpx.Request) -> str:
    """`GET /v3/export-jobs/{id}/items`: the method and Pleo's path with ids folded."""
    match = _VERSIONED_PATH.search(request.url.path)
    path = match.group(0) if match else "/other"
    return f"{request.method} {_ID_SEGMENT.sub('/{id}', path)}"[:120]


def outcome(status_code: int) -> str:
    if status_code in (429,):
        return "429"
    return f"{status_code // 100}xx"


def record(
    target: str, operation_name: str, result: str, seconds: float, *, calls: int = 1
) -> None:
    key = {"target": target, "operation": operation_name, "outcome": result}
    added = {"calls": F("calls") + calls, "seconds": F("seconds") + seconds}
    if CallTally.objects.filter(**key).update(**added):
        return
    try:
        with transaction.atomic():
            CallTally.objects.create(**key, calls=calls, seconds=seconds)
    except IntegrityError:  # another process created the row first
        CallTally.objects.filter(**key).update(**added)


def record_external_calls(sender, *, target: str, calls: dict, **kwargs) -> None:
    """Receiver of `core.signals.external_calls`: the engine's ERP calls, a page at a time."""
    for (operation_name, result), (count, seconds) in calls.items():
        record(target, operation_name, result, seconds, calls=count)


class MeasuredTransport(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, target: str = "pleo"):
        self.inner = inner
        self.target = target

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            response = self.inner.handle_request(request)
        except httpx.TransportError:
            record(self.target, operation(request), "error", time.monotonic() - started)
            raise
        record(self.target, operation(request), outcome(response.status_code),
               time.monotonic() - started)  # fmt: skip
        return response

    def close(self) -> None:
        self.inner.close()


def measured_pleo_transport() -> httpx.BaseTransport:
    """The production transport to Pleo: real HTTP, counted."""
    return MeasuredTransport(httpx.HTTPTransport())
