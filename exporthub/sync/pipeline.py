"""Waiting on Pleo beside the work, so that its latency is not paid once per call.

While the engine posts a page of entries, the next page of export items (and of job items) is
already being fetched, the next page's receipts are being downloaded by a bounded pool, and the
previous page's results are being written back. All of that is HTTP only: the threads here never
touch the database, except that an OAuth token refresh may start from any of them (tokens.py
serialises refreshes through the connection's row, and each task closes the database connections
its thread opened). Every database read and write of the engine stays on the calling thread.

`SYNC_PLEO_THREADS` bounds the receipt pool; 0 runs everything inline in the calling thread, one
call after another (the tests' in-process sandbox shares their database transaction, so only their
own thread can reach it).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from django.db import connections

T = TypeVar("T")
STREAMS = 3  # export-item pages, job-item pages, write-back
TICK = 1.0  # seconds between heartbeats while the calling thread waits


def _closing_connections(function: Callable[..., T], *args: Any) -> T:
    try:
        return function(*args)
    finally:
        connections.close_all()  # only this thread's (Django keeps connections per thread)


class Background:
    """Work handed to threads, and the calling thread's waits for it (beating the claim)."""

    def __init__(self, threads: int, beat: Callable[[], None] = lambda: None):
        self.threads = threads
        self.beat = beat
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="pleo") if threads else None
        self._streams = (
            ThreadPoolExecutor(STREAMS, thread_name_prefix="pleo-stream") if threads else None
        )
        self._stops: list[threading.Event] = []

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def inline(self) -> bool:
        return self._pool is None

    def submit(self, function: Callable[..., T], *args: Any, stream: bool = False) -> Future:
        """Run `function(*args)` in a thread (inline, at once, without threads)."""
        executor = self._streams if stream else self._pool
        if executor is None:
            future: Future = Future()
            try:
                future.set_result(function(*args))
            except BaseException as error:  # handed over to whoever waits for it
                future.set_exception(error)
            return future
        return executor.submit(_closing_connections, function, *args)

    def wait(self, future: Future) -> Any:
        """The future's result (or its exception, raised here); the claim heartbeat goes on."""
        while True:
            try:
                return future.result(timeout=TICK)
            except FutureTimeout:
                self.beat()

    def ahead(self, items: Iterable[T], depth: int = 1) -> Iterator[T]:
        """Iterate `items` in a thread, at most `depth` items ahead of the consumer."""
        if self._streams is None:
            yield from items
            return
        handover: queue.Queue = queue.Queue(maxsize=depth)
        stop = threading.Event()
        self._stops.append(stop)
        done = object()

        def put(value: Any) -> bool:
            while not stop.is_set():
                try:
                    handover.put(value, timeout=TICK)
                    return True
                except queue.Full:
                    continue
            return False

        def produce() -> None:
            try:
                for item in items:
                    if not put((True, item)):
                        return
                put((False, done))
            except BaseException as error:
                put((False, error))

        self._streams.submit(_closing_connections, produce)
        try:
            while True:
                try:
                    ok, value = handover.get(timeout=TICK)
                except queue.Empty:
                    self.beat()
                    continue
                if ok:
                    yield value
                elif value is done:
                    return
                else:
                    raise value
        finally:
            stop.set()

    def close(self) -> None:
        """Stop the streams nobody reads any more (e.g. after an error), wait for the threads."""
        for stop in self._stops:
            stop.set()
        for executor in (self._pool, self._streams):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)


def pages(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter, none empty)."""
    page: list[T] = []
    for item in items:
        page.append(item)
        if len(page) >= size:
            yield page
            page = []
    if page:
        yield page


class Receipts:
    """Receipt downloads started as soon as a page of export items arrives, read when posted."""

    def __init__(
        self,
        background: Background,
        download: Callable[[str], bytes],
        done: frozenset[str] = frozenset(),
    ):
        self.background = background
        self.download = download
        self.done = done  # accounting entry ids already exported or failed: not posted again
        self._lock = threading.Lock()
        self._started: dict[str, Future] = {}

    def prefetching(self, pages: Iterable[list[dict]]) -> Iterator[list[dict]]:
        """Pass the pages through, starting the downloads of each page's files on the way
        (except for entries that are done: a resumed job reads its first pages again)."""
        for page in pages:
            if not self.background.inline:
                wanted = [raw for raw in page if _entry_id(raw) not in self.done]
                for url in _file_urls(wanted):
                    with self._lock:
                        if url not in self._started:
                            self._started[url] = self.background.submit(self.download, url)
            yield page

    def fetch(self, url: str) -> bytes:
        """The file's bytes: the download started for it, else one now."""
        with self._lock:
            started = self._started.pop(url, None)
        if started is None:
            return self.download(url)
        return self.background.wait(started)

    def forget(self, page: list[dict]) -> None:
        """Drop what was downloaded for a page's entries and not used (e.g. failed entries)."""
        with self._lock:
            for url in _file_urls(page):
                started = self._started.pop(url, None)
                if started is not None:
                    started.cancel()


def _entry_id(raw: object) -> str | None:
    return str(raw.get("accountingEntryId")).lower() if isinstance(raw, dict) else None


def _file_urls(page: list[dict]) -> Iterator[str]:
    for raw in page:
        files = raw.get("files") if isinstance(raw, dict) else None
        for file in files if isinstance(files, list) else ():
            url = file.get("url") if isinstance(file, dict) else None
            if isinstance(url, str) and url:
                yield url
