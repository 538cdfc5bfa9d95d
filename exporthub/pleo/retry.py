"""Retrying calls to Pleo: which failures are retried, how long to wait, when to stop.

Retried: HTTP 429, most 5xx, and network failures/timeouts. The wait is Pleo's `Retry-After`
(delta-seconds or an HTTP date) when it sends one, otherwise exponential backoff with full jitter
(a random wait between 0 and base·2ⁿ, capped). Retrying stops after `max_attempts` attempts or
when the next wait would take the call past `max_total_seconds`; the caller then turns the last
answer into a classified `PleoError`.

Replaying a request is only harmless when the request is idempotent. Each call says whether it
is (`replay_safe`):

* GET, PUT of job items (the last write per `accountingEntryId` wins) and the `:search` POSTs
  (reads) are replay safe and retried on every transient failure.
* `POST /v3/export-jobs` is **not**: if Pleo created the job but the answer was lost, a replay
  would try to create a second one (and get `EXPORT_ALREADY_IN_PROGRESS`). It is retried only
  when the request certainly was not processed: a connection that never opened, 429 (the rate
  limiter refuses before the handler runs) and 503. After a read timeout, a reset or a 500 the
  error is raised, and the caller must look for the job (list `pending` jobs) before trying again.
* OAuth token requests are not replay safe either: a refresh that reached the server has
  rotated the refresh token, and re-using the old one revokes the whole grant.
* `POST /v3/export-job-events` is replayed by the client, which reconciles an
  `INVALID_EXPORT_JOB_STATUS_CHANGE` after an ambiguous failure (see `PleoClient.create_job_event`).

A 429 concerns every request of the client, not only the one that got it: the client's requests
(several threads may send at once) share one `Throttle`, and after a 429 none is sent before its
`Retry-After` has passed, each within its own retry budget. Waits that would exceed the budget are
not slept: the call fails (`PleoRateLimited`, unsent while the hold lasts), and the engine retries
the job later instead of waiting. The budget (`PLEO_MAX_RETRY_SECONDS`, 15 s) is short on
purpose: a worker does not sit out a long `Retry-After`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from django.conf import settings

from exporthub.core.retry_after import parse_retry_after
from exporthub.pleo.errors import PleoRateLimited, PleoTimeout, PleoTransportError

logger = logging.getLogger(__name__)

# The request never reached the server: safe to retry whatever the method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The request may or may not have been processed.
AMBIGUOUS_ERRORS = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)
# Answers that say "not processed, come back later" even for non-idempotent requests.
_REFUSED_STATUSES = frozenset({429, 503})


def is_retryable_status(status: int) -> bool:
    """429 and the transient 5xx answers (not 501 Not Implemented / 505 Version Not Supported)."""
    return status == 429 or (500 <= status <= 599 and status not in (501, 505))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. `from_settings()` reads the PLEO_* settings."""

    max_attempts: int = 6
    max_total_seconds: float = 15.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        return cls(
            max_attempts=settings.PLEO_MAX_ATTEMPTS,
            max_total_seconds=float(settings.PLEO_MAX_RETRY_SECONDS),
        )

    def backoff(self, retry_number: int, rand: Callable[[], float] = random.random) -> float:
        """Full jitter: uniform in [0, min(max_delay, base_delay · 2^(retry_number-1)))."""
        cap = min(self.max_delay, self.base_delay * 2 ** (retry_number - 1))
        return rand() * cap


class Throttle:
    """The moment before which no request may be sent, shared by every thread of one client."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def hold(self, seconds: float) -> float:
        """Keep everyone from sending for `seconds` (a 429's Retry-After); returns the moment."""
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)
            return self._until

    def delay(self, waited_until: float = 0.0) -> tuple[float, float]:
        """(seconds still to wait, the moment waited for); nothing for a caller that has already
        waited until that moment itself."""
        with self._lock:
            until = self._until
        if until <= waited_until:
            return 0.0, until
        return max(0.0, until - self.clock()), until


@dataclass
class Retrier:
    """Runs one logical request, retrying by the policy. `sleep` is injectable for tests.

    `throttle` is shared by every request of one client (see the module docstring)."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random
    throttle: Throttle = field(default_factory=Throttle)

    def run(
        self,
        send: Callable[[], httpx.Response],
        *,
        method: str,
        path: str,
        replay_safe: bool,
    ) -> httpx.Response:
        """Call `send` until it gives a final answer; returns the last response (maybe an error).

        Raises `PleoTimeout` / `PleoTransportError` when the last attempt got no answer.
        """
        budget = _Budget(self.clock, self.policy)
        attempt = 0
        waited_until = 0.0
        while True:
            attempt += 1
            delay, until = self.throttle.delay(waited_until)
            if delay:
                # Another request of this client was told to come back later: so is this one.
                if not budget.allows(attempt - 1, delay):
                    raise PleoRateLimited(
                        f"Pleo asked this client to wait {delay:.0f} s more (429); not sent.",
                        status=429,
                        method=method,
                        path=path,
                        retry_after=delay,
                    )
                self.sleep(delay)
                budget.slept += delay
                waited_until = until
            try:
                response = send()
            except httpx.TransportError as error:
                retryable = isinstance(error, _NOT_SENT) or (
                    replay_safe and isinstance(error, AMBIGUOUS_ERRORS)
                )
                wait = self.policy.backoff(attempt, self.rand)
                if not retryable or not budget.allows(attempt, wait):
                    raise _transport_error(error, method, path, attempt) from error
                self._wait(wait, method, path, attempt, type(error).__name__)
                budget.slept += wait
                continue
            status = response.status_code
            retryable = is_retryable_status(status) and (replay_safe or status in _REFUSED_STATUSES)
            if not retryable:
                return response
            hint = parse_retry_after(response.headers.get("retry-after"))
            wait = hint if hint is not None else self.policy.backoff(attempt, self.rand)
            if status == 429:
                waited_until = self.throttle.hold(wait)  # slows the client's other requests
            if not budget.allows(attempt, wait):
                return response
            response.close()
            self._wait(wait, method, path, attempt, f"HTTP {status}")
            budget.slept += wait

    def _wait(self, seconds: float, method: str, path: str, attempt: int, reason: str) -> None:
        logger.warning(
            "Pleo %s %s failed with %s; retry %d of %d in %.2f s",
            method,
            path,
            reason,
            attempt,
            self.policy.max_attempts - 1,
            seconds,
        )
        self.sleep(seconds)


class _Budget:
    """Attempts and time used by one call. Time spent is the larger of the clock's and the
    sum of waits (the same in production; lets an injected `sleep` count in tests)."""

    def __init__(self, clock: Callable[[], float], policy: RetryPolicy):
        self.clock = clock
        self.policy = policy
        self.started = clock()
        self.slept = 0.0

    def allows(self, attempt: int, wait: float) -> bool:
        if attempt >= self.policy.max_attempts:
            return False
        spent = max(self.clock() - self.started, self.slept)
        return spent + wait <= self.policy.max_total_seconds


def _transport_error(
    error: httpx.TransportError, method: str, path: str, attempts: int
) -> PleoTransportError:
    cls = PleoTimeout if isinstance(error, httpx.TimeoutException) else PleoTransportError
    noun = "attempt" if attempts == 1 else "attempts"
    # str(error) from httpx names the failure (e.g. "timed out"); it never contains headers.
    return cls(
        f"No answer from Pleo after {attempts} {noun}: {type(error).__name__}: {error}",
        method=method,
        path=path,
    )
