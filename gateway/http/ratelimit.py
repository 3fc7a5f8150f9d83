"""Per-partner rate limits: token buckets behind a small protocol.

The in-process engine fits one gateway process. When several processes share the load, a Redis
engine (an atomic Lua token bucket) implements the same ``RateLimiter`` protocol; the protocol is
async for that reason even though the in-process engine never waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from gateway.config.model import RateLimit

__all__ = ["RateLimiter", "TokenBucketLimiter"]


class RateLimiter(Protocol):
    async def acquire(self, key: str, limit: RateLimit) -> float:
        """Take one token for ``key``: 0.0 when granted, else the seconds until one will be available."""
        ...


class TokenBucketLimiter:
    """In-process token buckets, one per key: ``limit.burst`` tokens, refilled at ``limit.rate``/s.

    Check-and-take is atomic under a lock: the event loop alone would make it atomic, but the lock
    keeps it so when sync code (threads, a test client) shares the limiter — Kong's OSS limiter
    shows how counting outside the decision lets bursts through.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        # key -> [tokens, last refill time]; a list so the update is in place, without reallocating.
        self._buckets: dict[str, list[float]] = {}

    def take(self, key: str, rate: float, burst: int) -> float:
        """Synchronous core of ``acquire``."""
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = [float(burst), now]
            tokens = min(float(burst), bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
            if tokens >= 1.0:
                bucket[0] = tokens - 1.0
                return 0.0
            bucket[0] = tokens
            return (1.0 - tokens) / rate

    async def acquire(self, key: str, limit: RateLimit) -> float:
        return self.take(key, limit.rate, limit.burst)
