"""The delivery worker: real store, real receiver; retries, dead letters and replays end to end."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from deliver_support import SECRET, AddEvents, Receiver

from gateway.deliver import DeliveryWorker, RetryPolicy, WebhookTarget
from gateway.pipeline.replay import replay_dead_letter
from gateway.store.sqlite import SqliteStore


@asynccontextmanager
async def running_worker(store: SqliteStore, receiver: Receiver, policy: RetryPolicy,
                         concurrency: int = 8) -> AsyncIterator[None]:
    target = WebhookTarget("erp", receiver.url + "/events", SECRET, timeout_s=5, concurrency=concurrency)
    worker = DeliveryWorker(store, target, policy, owner="test-worker", lease_s=30)
    task = asyncio.create_task(worker.run())
    try:
        yield
    finally:
        worker.stop()
        await task
        await target.aclose()


async def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


FAST = RetryPolicy(max_attempts=4, initial_s=0.05, max_s=0.2)


async def test_every_outbox_entry_is_delivered_once(store: SqliteStore, receiver: Receiver,
                                                    add_events: AddEvents) -> None:
    ids = await add_events(200)
    async with running_worker(store, receiver, FAST):
        await eventually(lambda: store.counts()["delivered"] == 200)
    assert set(receiver.state.deliveries) == set(ids) and receiver.state.duplicates == 0


async def test_a_failed_delivery_is_retried_until_it_succeeds(store: SqliteStore, receiver: Receiver,
                                                              add_events: AddEvents) -> None:
    receiver.state.fail_next = 2
    [event_id] = await add_events(1)
    async with running_worker(store, receiver, FAST):
        await eventually(lambda: store.counts()["delivered"] == 1)
    [message] = [m for m in [store.message_history(event_id.removeprefix("evt-"))] if m]
    outcomes = [a["outcome"] for a in message["deliveries"][0]["history"]]
    assert outcomes == ["retry", "retry", "delivered"]


async def test_retry_after_parks_only_the_entry_that_got_it(store: SqliteStore, receiver: Receiver,
                                                          add_events: AddEvents) -> None:
    receiver.state.fail_next, receiver.state.fail_status, receiver.state.retry_after = 1, 429, "3600"
    await add_events(10)
    async with running_worker(store, receiver, FAST, concurrency=1):
        await eventually(lambda: store.counts()["delivered"] == 9)
    parked = store.next_due("erp")
    assert parked is not None and parked > time.time() + 3500


async def test_an_entry_that_keeps_failing_is_dead_lettered_after_max_attempts(
        store: SqliteStore, receiver: Receiver, add_events: AddEvents) -> None:
    receiver.state.fail_next = 100
    await add_events(1)
    async with running_worker(store, receiver, FAST):
        await eventually(lambda: store.counts()["dead"] == 1)
    [dead] = store.dead_letters()
    assert dead.attempts == 4 and "gave up after 4 attempts" in dead.reason and "HTTP 503" in dead.reason


async def test_a_permanent_refusal_is_dead_lettered_without_retrying(store: SqliteStore, receiver: Receiver,
                                                                     add_events: AddEvents) -> None:
    receiver.state.fail_next, receiver.state.fail_status = 1, 422
    await add_events(1)
    async with running_worker(store, receiver, FAST):
        await eventually(lambda: store.counts()["dead"] == 1)
    assert store.dead_letters()[0].attempts == 1 and receiver.state.requests == 1


async def test_a_replayed_dead_letter_is_delivered(store: SqliteStore, receiver: Receiver,
                                                   add_events: AddEvents) -> None:
    receiver.state.fail_next, receiver.state.fail_status = 1, 410
    [event_id] = await add_events(1)
    async with running_worker(store, receiver, FAST):
        await eventually(lambda: store.counts()["dead"] == 1)
        await replay_dead_letter(store, store.dead_letters()[0].id, requested_by="ops@example.com")
        await eventually(lambda: store.counts()["delivered"] == 1)
    assert event_id in receiver.state.deliveries
