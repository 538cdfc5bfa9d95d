from __future__ import annotations

import email.utils

import httpx
import pytest

from exporthub.pleo.errors import PleoRateLimited
from exporthub.pleo.retry import (
    Retrier,
    RetryPolicy,
    Throttle,
    is_retryable_status,
    parse_retry_after,
)


def test_it_reads_retry_after_in_seconds():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0


def test_it_reads_retry_after_as_an_http_date():
    now = 1_800_000_000.0
    header = email.utils.formatdate(now + 7, usegmt=True)

    assert parse_retry_after(header, now=now) == 7.0


def test_it_never_returns_a_negative_wait():
    now = 1_800_000_000.0
    past = email.utils.formatdate(now - 60, usegmt=True)

    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("-5") == 0.0


def test_it_ignores_missing_or_garbled_retry_after():
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None


def test_it_backs_off_exponentially_with_full_jitter():
    policy = RetryPolicy(base_delay=0.5, max_delay=30)

    assert [policy.backoff(n, lambda: 1.0) for n in range(1, 9)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0,
    ]  # fmt: skip
    assert policy.backoff(4, lambda: 0.0) == 0.0
    assert policy.backoff(4, lambda: 0.25) == 1.0


def test_it_retries_rate_limits_and_transient_server_errors_only():
    assert [s for s in (400, 401, 404, 409, 422, 429) if is_retryable_status(s)] == [429]
    assert [s for s in (500, 501, 502, 503, 504, 505) if is_retryable_status(s)] == [
        500, 502, 503, 504,
    ]  # fmt: skip


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_a_429_holds_back_the_other_requests_of_the_client_for_its_retry_after():
    clock = FakeClock()
    throttle = Throttle(clock)
    refused = Retrier(sleep=clock.sleep, clock=clock, throttle=throttle)
    other = Retrier(sleep=clock.sleep, clock=clock, throttle=throttle)
    answers = iter([answer(429, **{"Retry-After": "3"}), answer(200)])

    refused.run(lambda: next(answers), method="GET", path="/a", replay_safe=True)
    assert clock.slept == [3.0]  # its own wait, once

    clock.now -= 2.0  # another thread, one second after the 429 came in
    sent_at = []
    other.run(
        lambda: sent_at.append(clock.now) or answer(200), method="GET", path="/b", replay_safe=True
    )
    assert clock.slept == [3.0, 2.0]
    assert sent_at == [103.0]  # not before Retry-After had passed


def test_the_throttle_never_waits_past_a_calls_retry_budget():
    clock = FakeClock()
    throttle = Throttle(clock)
    throttle.hold(500.0)
    retrier = Retrier(
        RetryPolicy(max_total_seconds=10), sleep=clock.sleep, clock=clock, throttle=throttle
    )

    sent = []

    with pytest.raises(PleoRateLimited) as raised:
        retrier.run(lambda: sent.append(1) or answer(200), method="GET", path="/a",
                    replay_safe=True)  # fmt: skip

    assert sent == [] and clock.slept == []  # neither sent during the hold nor waited out
    assert raised.value.retry_after == 500.0 and raised.value.status == 429
