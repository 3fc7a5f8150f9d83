"""The in-process token bucket: burst, refill, per key, and the wait it reports."""

from __future__ import annotations

import threading

import pytest

from gateway.config.model import RateLimit
from gateway.http.ratelimit import TokenBucketLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_grants_the_burst_then_refuses():
    limiter = TokenBucketLimiter(Clock())
    assert [limiter.take("p", rate=1.0, burst=3) for _ in range(4)][:3] == [0.0, 0.0, 0.0]
    assert limiter.take("p", rate=1.0, burst=3) > 0


def test_refusal_reports_the_seconds_until_the_next_token():
    clock = Clock()
    limiter = TokenBucketLimiter(clock)
    limiter.take("p", rate=4.0, burst=1)
    clock.now += 0.125
    assert limiter.take("p", rate=4.0, burst=1) == pytest.approx(0.125)


def test_tokens_refill_at_the_rate_but_never_beyond_the_burst():
    clock = Clock()
    limiter = TokenBucketLimiter(clock)
    for _ in range(2):
        limiter.take("p", rate=10.0, burst=2)
    clock.now += 60
    assert [limiter.take("p", rate=10.0, burst=2) for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]


def test_keys_have_separate_buckets():
    limiter = TokenBucketLimiter(Clock())
    limiter.take("a", rate=1.0, burst=1)
    assert limiter.take("b", rate=1.0, burst=1) == 0.0


def test_concurrent_takers_never_get_more_than_the_burst():
    limiter = TokenBucketLimiter(Clock())  # frozen clock: no refill during the race
    granted = []

    def worker():
        granted.extend(w for w in (limiter.take("p", 1.0, 100) for _ in range(50)) if w == 0.0)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 100


async def test_acquire_is_the_async_form_of_take():
    limiter = TokenBucketLimiter(Clock())
    assert await limiter.acquire("p", RateLimit(rate=1.0, burst=1)) == 0.0
    assert await limiter.acquire("p", RateLimit(rate=1.0, burst=1)) == pytest.approx(1.0)
