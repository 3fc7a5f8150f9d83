"""When to try a failed delivery again: exponential backoff with full jitter, or the target's wish.

The delay comes from tenacity's ``wait_random_exponential`` (uniform in [0, min(max, initial·2^(n-1))]),
but nothing sleeps on it: the worker stores ``now + delay`` as the outbox entry's
``next_attempt_at``, so retries survive a restart and a slow entry never holds up the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import tenacity

from gateway.config.model import Target as TargetConfig
from gateway.deliver.base import Delivered, DeliveryResult, PermanentFailure, RetryLater

# Cap on a target's Retry-After: a wrong header (e.g. a year) must not park an event for good.
MAX_RETRY_AFTER_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Decision:
    """What to record for an attempt: ``outcome`` delivered / retry / dead, and when to retry."""

    outcome: str
    next_attempt_at: float | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int
    initial_s: float
    max_s: float
    _wait: tenacity.wait.wait_base = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_wait", tenacity.wait_random_exponential(multiplier=self.initial_s, max=self.max_s))

    @classmethod
    def for_target(cls, target: TargetConfig) -> RetryPolicy:
        return cls(target.max_attempts, target.backoff_initial_s, target.backoff_max_s)

    def backoff_s(self, attempt_number: int) -> float:
        """Delay after the ``attempt_number``-th failed attempt (1-based)."""
        state = tenacity.RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
        state.attempt_number = attempt_number
        return float(self._wait(state))

    def decide(self, result: DeliveryResult, attempt_number: int, now: float) -> Decision:
        """The decision after attempt ``attempt_number`` (1-based) ended with ``result`` at ``now``."""
        if isinstance(result, Delivered):
            return Decision("delivered")
        if isinstance(result, PermanentFailure) or attempt_number >= self.max_attempts:
            return Decision("dead")
        assert isinstance(result, RetryLater)
        if result.retry_after_s is not None:
            delay = min(max(result.retry_after_s, 0.0), MAX_RETRY_AFTER_S)
        else:
            delay = self.backoff_s(attempt_number)
        return Decision("retry", now + delay)
