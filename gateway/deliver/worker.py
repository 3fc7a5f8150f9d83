"""The delivery worker of one target: claim due outbox entries, deliver them concurrently, record.

Entries are claimed with a lease, so a crashed worker's entries are delivered again later (at least
once; the target deduplicates by ``Idempotency-Key``). Up to ``target.concurrency`` deliveries run
at once; a failing entry gets a stored ``next_attempt_at`` and never blocks the entries behind it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from opentelemetry.trace import SpanKind, Tracer

from gateway.deliver.base import Delivered, DeliveryResult, RetryLater, Target
from gateway.deliver.retry import RetryPolicy
from gateway.store.base import DeliveryRecord, OutboxEntry, Store
from gateway.telemetry import Metrics, start_span_from

IDLE_POLL_S = 1.0
log = logging.getLogger(__name__)


class DeliveryWorker:
    """Runs until cancelled; ``stop()`` lets in-flight deliveries finish first."""

    def __init__(self, store: Store, target: Target, policy: RetryPolicy, owner: str, lease_s: float,
                 metrics: Metrics | None = None, tracer: Tracer | None = None) -> None:
        self._store, self._target, self._policy = store, target, policy
        self._owner, self._lease_s, self._metrics, self._tracer = owner, lease_s, metrics, tracer
        self._queue = f"outbox:{target.id}"
        self._in_flight: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        try:
            while not self._stopping.is_set():
                free = self._target.concurrency - len(self._in_flight)
                entries = await self._store.claim_deliveries(self._target.id, self._owner, free, self._lease_s) \
                    if free > 0 else []
                for entry in entries:
                    task = asyncio.create_task(self._deliver(entry))
                    self._in_flight.add(task)
                    task.add_done_callback(self._in_flight.discard)
                if not entries or len(self._in_flight) >= self._target.concurrency:
                    await self._wait()
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)

    async def _wait(self) -> None:
        """Until a slot frees, new work is signalled, the earliest retry is due, or we are stopped."""
        due = self._store.next_due(self._target.id)
        timeout = IDLE_POLL_S if due is None else min(IDLE_POLL_S, max(0.005, due - time.time()))
        waiters = {asyncio.ensure_future(self._stopping.wait())}
        if len(self._in_flight) < self._target.concurrency:
            waiters.add(asyncio.ensure_future(self._store.wait_for_work(self._queue, timeout)))
        else:
            waiters.add(asyncio.ensure_future(asyncio.sleep(timeout)))
        try:
            await asyncio.wait(waiters | set(self._in_flight), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def _deliver(self, entry: OutboxEntry) -> None:
        attempt = entry.attempts + 1
        with start_span_from("deliver", entry.trace_context, {
                "gateway.target": self._target.id, "gateway.event_id": entry.event_id,
                "gateway.message_id": entry.message_id, "gateway.attempt": attempt},
                             tracer=self._tracer, kind=SpanKind.CLIENT) as span:
            started = time.perf_counter()
            try:
                result: DeliveryResult = await self._target.deliver(entry)
            except Exception as exc:  # noqa: BLE001 - a target bug must not lose the entry: retry it
                log.exception("target %s raised delivering %s", self._target.id, entry.event_id)
                result = RetryLater(f"target raised {type(exc).__name__}: {exc}")
            duration_ms = (time.perf_counter() - started) * 1000.0
            decision = self._policy.decide(result, attempt, time.time())
            span.set_attribute("gateway.outcome", decision.outcome)
        detail = result.detail if not isinstance(result, Delivered) else ""
        if isinstance(result, RetryLater) and decision.outcome == "dead":
            detail = f"gave up after {attempt} attempts; last: {detail}"
        await self._store.record_deliveries([DeliveryRecord(
            entry.id, self._owner, decision.outcome, detail, result.status_code, duration_ms, decision.next_attempt_at)])
        self._count(decision.outcome)

    def _count(self, outcome: str) -> None:
        if self._metrics is None:
            return
        if outcome == "delivered":
            self._metrics.delivered(self._target.id)
        elif outcome == "retry":
            self._metrics.retried(self._target.id)
        else:
            self._metrics.dead_lettered(self._target.id)
