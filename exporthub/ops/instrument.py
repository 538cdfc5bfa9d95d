"""Counting the hub's HTTP calls to Pleo: a transport wrapper the engine's client goes through.

`settings.PLEO_TRANSPORT_FACTORY` names `measured_pleo_transport`, so every Pleo client the hub
builds (sync/wiring.py) counts its calls, their time and their outcome into `CallTally` (kept
in memory and written in batches, see `_Unwritten`). A retry is one more call, so 429 and 5xx
outcomes are the retries Pleo asked for.
"""

from __future__ import annotations

import re
import threading
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


class _Unwritten:
    """Calls this process counted and has not yet added to `CallTally`.

    Why not one UPDATE per call: every receipt download then wrote the same few rows, from the
    engine's download threads, each on a database connection of its own; workers queued on
    those rows and on connection set-up, and throughput stopped growing with workers. Counts are
    written at least every `WRITE_EVERY_SECONDS`, with each page of ERP calls and when the
    Pleo client closes (end of a task or request).
    """

    WRITE_EVERY_SECONDS = 10.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, str], list] = {}
        self._written_at = time.monotonic()

    def add(self, key: tuple[str, str, str], calls: int, seconds: float) -> bool:
        """Count the calls; True when it is time to write."""
        with self._lock:
            counts = self._counts.setdefault(key, [0, 0.0])
            counts[0] += calls
            counts[1] += seconds
            return time.monotonic() - self._written_at >= self.WRITE_EVERY_SECONDS

    def write(self) -> None:
        with self._lock:
            taken, self._counts = self._counts, {}
            self._written_at = time.monotonic()
        keys = sorted(taken)  # one order in every process: no deadlock between two writers
        try:
            while keys:
                _add_to_tally(keys[0], *taken[keys[0]])
                keys.pop(0)
        finally:
            for key in keys:  # not written (the database refused): counted again next time
                self.add(key, *taken[key])


def _add_to_tally(key: tuple[str, str, str], calls: int, seconds: float) -> None:
    target, operation_name, result = key
    lookup = {"target": target, "operation": operation_name, "outcome": result}
    added = {"calls": F("calls") + calls, "seconds": F("seconds") + seconds}
    if CallTally.objects.filter(**lookup).update(**added):
        return
    try:
        with transaction.atomic():
            CallTally.objects.create(**lookup, calls=calls, seconds=seconds)
    except IntegrityError:  # another process created the row first
        CallTally.objects.filter(**lookup).update(**added)


_unwritten = _Unwritten()


def record(
    target: str, operation_name: str, result: str, seconds: float, *, calls: int = 1
) -> None:
    """Count calls to `target`; they reach `CallTally` with the next write."""
    if _unwritten.add((target, operation_name, result), calls, seconds):
        _unwritten.write()


def write_tallies() -> None:
    """Add every call this process counted so far to `CallTally`."""
    _unwritten.write()


def record_external_calls(sender, *, target: str, calls: dict, **kwargs) -> None:
    """Receiver of `core.signals.external_calls`: the engine's ERP calls, a page at a time
    (written at once, with the Pleo calls counted meanwhile: the engine's own thread)."""
    for (operation_name, result), (count, seconds) in calls.items():
        _unwritten.add((target, operation_name, result), count, seconds)
    _unwritten.write()


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
        write_tallies()


def measured_pleo_transport() -> httpx.BaseTransport:
    """The production transport to Pleo: real HTTP, counted."""
    return MeasuredTransport(httpx.HTTPTransport())
