"""The delivery worker of one target: claim due outbox entries, deliver them concurrently, record.

Entries are claimed with a lease, so a crashed worker's entries are delivered again later (at least
once; the target deduplicates by ``Idempotency-Key``). Up to ``target.concurrency`` deliveries run
at once; a failing entry gets a stored ``next_attempt_at`` and never blocks the entries behind it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable

from opentelemetry.trace import SpanKind, Tracer

from gateway.deliver.base import Delivered, DeliveryResult, RetryLater, Target
from gateway.deliver.retry import RetryPolicy
from gateway.store.base import DeliveryRecord, OutboxEntry, Store, StoreClosed
from gateway.telemetry import ContinuedSpans, Metrics

IDLE_POLL_S = 1.0
log = logging.getLogger(__name__)


class DeliveryWorker:
    """Runs until ``stop()``; then delivers what it already claimed and returns.

    A feeder claims entries in batches into a small buffer (at most twice the concurrency) while
    ``concurrency`` senders deliver from it, and answers are recorded without holding a sender:
    claims and records are store round trips through the group commit (an fsync each), so doing
    them one per slot, in line, would serialize deliveries on commit latency.
    """

    def __init__(self, store: Store, target: Target, policy: RetryPolicy, owner: str, lease_s: float,
                 metrics: Metrics | None = None, tracer: Tracer | None = None) -> None:
        self._store, self._target, self._policy = store, target, policy
        self._owner, self._lease_s, self._metrics = owner, lease_s, metrics
        self._spans = ContinuedSpans(tracer)
        self._queue_name = f"outbox:{target.id}"
        self._buffer: asyncio.Queue[OutboxEntry | None] = asyncio.Queue()
        self._stopping = asyncio.Event()
        self._pending: list[DeliveryRecord] = []
        self._recording: asyncio.Task[None] | None = None

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        senders = [asyncio.create_task(self._send()) for _ in range(self._target.concurrency)]
        try:
            await self._feed()
        finally:
            for _ in senders:
                self._buffer.put_nowait(None)
            await asyncio.gather(*senders, return_exceptions=True)
            if self._recording is not None:
                await self._recording

    async def _feed(self) -> None:
        capacity = 2 * self._target.concurrency
        while not self._stopping.is_set():
            room = capacity - self._buffer.qsize()
            if room < self._target.concurrency:
                await self._until_stopped_or(asyncio.sleep(0.002))  # senders are busy: claim a batch later
                continue
            try:
                entries = await self._store.claim_deliveries(self._target.id, self._owner, room, self._lease_s)
            except StoreClosed:
                return
            except Exception:  # a store hiccup must not end delivery for good
                log.exception("claiming deliveries for %s failed; retrying in %s s", self._target.id, IDLE_POLL_S)
                await self._until_stopped_or(asyncio.sleep(IDLE_POLL_S))
                continue
            for entry in entries:
                self._buffer.put_nowait(entry)
            if not entries:
                due = self._store.next_due(self._target.id)
                timeout = IDLE_POLL_S if due is None else min(IDLE_POLL_S, max(0.005, due - time.time()))
                await self._until_stopped_or(self._store.wait_for_work(self._queue_name, timeout))

    async def _until_stopped_or(self, awaitable: Awaitable[None]) -> None:
        other = asyncio.ensure_future(awaitable)
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({other, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            other.cancel()
            stopping.cancel()

    async def _send(self) -> None:
        while (entry := await self._buffer.get()) is not None:
            await self._deliver(entry)

    async def _deliver(self, entry: OutboxEntry) -> None:
        attempt = entry.attempts + 1
        with self._spans.start("deliver", entry.trace_context, {
                "gateway.target": self._target.id, "gateway.event_id": entry.event_id,
                "gateway.message_id": entry.message_id, "gateway.attempt": attempt}, kind=SpanKind.CLIENT) as span:
            started = time.perf_counter()
            try:
                result: DeliveryResult = await self._target.deliver(entry)
            except Exception as exc:  # a target bug must not lose the entry: retry it
                log.exception("target %s raised delivering %s", self._target.id, entry.event_id)
                result = RetryLater(f"target raised {type(exc).__name__}: {exc}")
            duration_ms = (time.perf_counter() - started) * 1000.0
            decision = self._policy.decide(result, attempt, time.time())
            span.set_attribute("gateway.outcome", decision.outcome)
        detail = result.detail if not isinstance(result, Delivered) else ""
        if isinstance(result, RetryLater) and decision.outcome == "dead":
            detail = f"gave up after {attempt} attempts; last: {detail}"
        self._pending.append(DeliveryRecord(entry.id, self._owner, decision.outcome, detail, result.status_code,
                                            duration_ms, decision.next_attempt_at))
        self._count(decision.outcome)
        if self._recording is None or self._recording.done():
            self._recording = asyncio.create_task(self._record())
        if len(self._pending) > self._target.concurrency:
            await asyncio.shield(self._recording)  # back-pressure when the store falls behind

    async def _record(self) -> None:
        """Record answers in batches: whatever accumulated while the previous batch was committing.

        Recording waits for a commit (an fsync); senders move on meanwhile and each entry stays
        leased until its record lands.
        """
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._store.record_deliveries(batch)
            except Exception:  # the entries stay leased and are delivered again later
                log.exception("could not record %d delivery answers for %s", len(batch), self._target.id)

    def _count(self, outcome: str) -> None:
        if self._metrics is None:
            return
        if outcome == "delivered":
            self._metrics.delivered(self._target.id)
        elif outcome == "retry":
            self._metrics.retried(self._target.id)
        else:
            self._metrics.dead_lettered(self._target.id)
