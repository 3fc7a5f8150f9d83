"""Outbox claims, delivery attempts, retries at a stored time, dead letters and replays."""

from __future__ import annotations

import asyncio
import time

import pytest
from store_support import message, processed

from gateway.store.base import DeliveryRecord, MessageOutcome, NotReplayable, QuarantineReason, Store


async def _processed_message(store: Store, targets: tuple[str, ...] = ("erp",)) -> str:
    m = message()
    await store.admit(m)
    await store.claim_messages("w", 10, 30)
    await store.record_outcomes([processed(m.id, "w", targets=targets)])
    return m.id


async def test_a_claimed_delivery_carries_the_event_body_and_the_stored_trace_context(store: Store) -> None:
    mid = await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    assert entry.event_id == f"{mid}-0" and entry.message_id == mid and entry.attempts == 0
    assert entry.body.startswith(b'{"specversion":"1.0"')
    assert entry.trace_context["traceparent"].startswith("00-4bf92f35")


async def test_each_target_has_its_own_outbox(store: Store) -> None:
    await _processed_message(store, targets=("erp", "tms"))
    assert len(await store.claim_deliveries("erp", "d", 10, 30)) == 1
    assert len(await store.claim_deliveries("tms", "d", 10, 30)) == 1


async def test_a_delivered_entry_is_not_handed_out_again(store: Store) -> None:
    await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 0.05)
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "delivered", status_code=204)])
    await asyncio.sleep(0.1)
    assert await store.claim_deliveries("erp", "d", 10, 30) == []
    assert store.counts()["delivered"] == 1


async def test_a_retry_waits_until_its_stored_next_attempt_time(store: Store) -> None:
    await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    due = time.time() + 0.2
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "retry", "HTTP 503", 503, next_attempt_at=due)])
    assert await store.claim_deliveries("erp", "d", 10, 30) == []
    assert store.next_due("erp") == pytest.approx(due)
    await asyncio.sleep(0.25)
    [again] = await store.claim_deliveries("erp", "d", 10, 30)
    assert again.attempts == 1


async def test_a_delivery_whose_lease_ran_out_is_handed_out_again(store: Store) -> None:
    await _processed_message(store)
    await store.claim_deliveries("erp", "crashed", 10, 0.05)
    await asyncio.sleep(0.1)
    assert len(await store.claim_deliveries("erp", "d2", 10, 30)) == 1


async def test_a_permanent_failure_becomes_a_dead_letter_with_its_reason(store: Store) -> None:
    mid = await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "dead", "HTTP 400: bad event", 400)])
    [dl] = store.dead_letters()
    assert (dl.message_id, dl.target, dl.reason, dl.attempts) == (mid, "erp", "HTTP 400: bad event", 1)


async def test_every_attempt_and_its_answer_is_in_the_history(store: Store) -> None:
    mid = await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "retry", "HTTP 503", 503, next_attempt_at=0)])
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "delivered", "", 200)])
    history = store.message_history(mid)
    assert history is not None
    [delivery] = history["deliveries"]
    assert [(a["attempt"], a["outcome"], a["status_code"]) for a in delivery["history"]] == [
        (1, "retry", 503), (2, "delivered", 200)]
    assert [s["outcome"] for s in history["stages"] if s["stage"] == "deliver"] == ["retry", "delivered"]


async def test_replaying_a_dead_letter_queues_it_again_with_a_fresh_attempt_budget(store: Store) -> None:
    mid = await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "dead", "HTTP 410", 410)])
    [dl] = store.dead_letters()
    await store.replay_dead_letter(dl.id, requested_by="ops@example.com")
    [again] = await store.claim_deliveries("erp", "d", 10, 30)
    assert again.event_id == entry.event_id and again.attempts == 0
    assert store.dead_letters() == []
    [replayed] = store.dead_letters(include_replayed=True)
    assert replayed.replayed_by == "ops@example.com"
    history = store.message_history(mid)
    assert history is not None
    assert history["stages"][-1]["stage"] == "replay" and history["stages"][-1]["requested_by"] == "ops@example.com"


async def test_a_dead_letter_cannot_be_replayed_twice(store: Store) -> None:
    await _processed_message(store)
    [entry] = await store.claim_deliveries("erp", "d", 10, 30)
    await store.record_deliveries([DeliveryRecord(entry.id, "d", "dead", "HTTP 410", 410)])
    [dl] = store.dead_letters()
    await store.replay_dead_letter(dl.id, "ops")
    with pytest.raises(NotReplayable):
        await store.replay_dead_letter(dl.id, "ops")


async def test_replaying_a_quarantined_message_queues_its_raw_bytes_again(store: Store) -> None:
    m = message(b"<broken")
    await store.admit(m)
    await store.claim_messages("w", 10, 30)
    await store.record_outcomes([MessageOutcome(m.id, "w", quarantine=QuarantineReason("decode", "1:8", "eof"))])
    await store.replay_quarantined(m.id, requested_by="ops")
    [again] = await store.claim_messages("w", 10, 30)
    assert again.body == b"<broken"
    assert store.quarantined() == []


async def test_only_a_quarantined_message_can_be_replayed(store: Store) -> None:
    m = message()
    await store.admit(m)
    with pytest.raises(NotReplayable):
        await store.replay_quarantined(m.id, "ops")
    with pytest.raises(NotReplayable):
        await store.replay_quarantined("no-such-message", "ops")
