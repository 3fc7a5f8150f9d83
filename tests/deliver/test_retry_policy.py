"""The retry policy: full-jitter exponential backoff, Retry-After, and the attempt budget."""

from __future__ import annotations

from gateway.deliver import Delivered, PermanentFailure, RetryLater, RetryPolicy

POLICY = RetryPolicy(max_attempts=5, initial_s=0.5, max_s=8.0)


def test_backoff_stays_within_the_full_jitter_bound_of_each_attempt() -> None:
    for attempt in range(1, 10):
        bound = min(8.0, 0.5 * 2 ** (attempt - 1))
        delays = [POLICY.backoff_s(attempt) for _ in range(200)]
        assert all(0.0 <= d <= bound for d in delays)
        assert max(delays) > bound / 2   # jittered over the whole range, not fixed


def test_a_transient_failure_is_retried_at_a_stored_time_in_the_future() -> None:
    decision = POLICY.decide(RetryLater("HTTP 503", 503), attempt_number=1, now=1000.0)
    assert decision.outcome == "retry" and 1000.0 <= decision.next_attempt_at <= 1000.5  # type: ignore[operator]


def test_the_targets_retry_after_wins_over_the_backoff() -> None:
    decision = POLICY.decide(RetryLater("HTTP 429", 429, retry_after_s=30), attempt_number=1, now=1000.0)
    assert decision.next_attempt_at == 1030.0


def test_the_last_allowed_attempt_failing_dead_letters_the_event() -> None:
    assert POLICY.decide(RetryLater("HTTP 503", 503), attempt_number=5, now=0).outcome == "dead"


def test_a_permanent_failure_dead_letters_at_once() -> None:
    assert POLICY.decide(PermanentFailure("HTTP 400", 400), attempt_number=1, now=0).outcome == "dead"


def test_a_delivery_is_final() -> None:
    assert POLICY.decide(Delivered(204), attempt_number=3, now=0).outcome == "delivered"
