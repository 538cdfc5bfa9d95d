"""Counters the worker fills while the engine runs: Pleo HTTP, connector time, queries, RSS."""

from __future__ import annotations

import math
import re
import resource
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

API_KINDS = (
    "list_jobs",
    "get_job",
    "job_item_page",
    "export_item_page",
    "item_update",
    "job_event",
)
_JOB_ITEMS = re.compile(r"/v3/export-jobs/[^/]+/items$")
_JOB = re.compile(r"/v3/export-jobs/[^/]+$")


def classify(method: str, path: str) -> str:
    """The kind of a Pleo exchange, from its method and URL path (client or server side)."""
    path = path.rstrip("/")
    if "/files/" in path:
        return "receipt_download"
    if path.endswith("/oauth/token"):
        return "oauth_token"
    if _JOB_ITEMS.search(path):
        return "job_item_page" if method == "GET" else "item_update"
    if path.endswith("/v3/export-jobs"):
        return "list_jobs" if method == "GET" else "create_job"
    if _JOB.search(path):
        return "get_job"
    if path.endswith("/v3/export-job-events"):
        return "job_event"
    if path.endswith("/v3/export-items"):
        return "export_item_page"
    return "other"


def minimum_calls(items: int, page: int = 100) -> dict[str, int]:
    """The fewest Export API calls one job of `items` items can take (see the package doc)."""
    pages = math.ceil(items / page)
    return {"job_item_page": pages, "export_item_page": pages, "item_update": pages, "job_event": 2}


@dataclass
class Tally:
    """Calls and seconds by kind (threads may add at once)."""

    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.calls[kind] += 1
            self.seconds[kind] += seconds

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def as_json(self) -> dict[str, Any]:
        return {
            kind: {"calls": self.calls[kind], "seconds": round(self.seconds[kind], 4)}
            for kind in sorted(self.calls)
        }


class CountingTransport(httpx.BaseTransport):
    """Real HTTP (httpx.HTTPTransport), with each exchange counted and timed, body included.

    Exchanges on the main thread land in `tally`, those of background threads (the engine's
    prefetching and write-back) in `background`. Survives being closed by one PleoClient and
    reused by the next: the inner transport is re-created on demand.
    """

    def __init__(self, tally: Tally, background: Tally | None = None):
        self.tally = tally
        self.background = background if background is not None else tally
        self._inner: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self._inner is None:
                self._inner = httpx.HTTPTransport(limits=httpx.Limits(max_keepalive_connections=40))
            inner = self._inner
        started = time.perf_counter()
        response = inner.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        main = threading.current_thread() is threading.main_thread()
        (self.tally if main else self.background).add(
            classify(request.method, request.url.path), time.perf_counter() - started
        )
        return response

    def close(self) -> None:
        with self._lock:
            if self._inner is not None:
                self._inner.close()
                self._inner = None


TIMED_METHODS = (
    "check_connection",
    "company_name",
    "validate",
    "find",
    "post",
    "post_many",
    "attach_receipts",
    "fetch_master_data",
    "accounts",
    "close",
)


def time_connector(connector, erp: Tally, pleo: Tally, on_post=None):
    """Wrap the connector's methods (on the instance) so their time lands in `erp`.

    Only the outermost call counts (connector methods call each other), and the main thread's
    Pleo time inside a call (receipt downloads, or waits for them: `pleo`) is subtracted, since
    `pleo` already has it. `on_post(n)` is told how many entries each post or batch carried.
    """
    depth = 0

    def wrap(name, original):
        def timed(*args, **kwargs):
            nonlocal depth
            if depth:
                return original(*args, **kwargs)
            depth += 1
            pleo_before = pleo.total_seconds
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                depth -= 1
                elapsed = time.perf_counter() - started
                erp.add(name, elapsed - (pleo.total_seconds - pleo_before))
                if on_post is not None and name in ("post", "post_many"):
                    on_post(len(args[0]) if name == "post_many" else 1)

        return timed

    for name in TIMED_METHODS:
        original = getattr(connector, name, None)
        if callable(original):
            setattr(connector, name, wrap(name, original))
    return connector


def time_attributes(targets: list[tuple[object, str, str]], tally: Tally, pleo: Tally) -> None:
    """Replace `owner.name` by a timed version, recorded in `tally` as `label` (without the Pleo
    HTTP time inside it); for a breakdown of the connector's time."""
    for owner, name, label in targets:
        original = getattr(owner, name)

        def timed(*args, __original=original, __label=label, **kwargs):
            pleo_before = pleo.total_seconds
            started = time.perf_counter()
            try:
                return __original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                tally.add(__label, elapsed - (pleo.total_seconds - pleo_before))

        setattr(owner, name, timed)


class QueryCounter:
    """A database execute wrapper: queries and seconds by SQL verb, and by statement."""

    def __init__(self, tally: Tally):
        self.tally = tally
        self.statements = Tally()

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else "?"
            self.tally.add(verb, elapsed)
            self.statements.add(sql, elapsed)

    def slowest(self, count: int = 6) -> list[dict[str, Any]]:
        """The statements that took the most time in total (SQL shortened)."""
        ranked = sorted(self.statements.seconds.items(), key=lambda pair: -pair[1])[:count]
        return [
            {
                "sql": _shorten(sql),
                "calls": self.statements.calls[sql],
                "seconds": round(seconds, 3),
            }
            for sql, seconds in ranked
        ]


def _shorten(sql: str, limit: int = 240) -> str:
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"(%s, )+%s", "%s, …", sql)
    return sql if len(sql) <= limit else sql[: limit - 1] + "…"


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return peak_rss_mb()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
