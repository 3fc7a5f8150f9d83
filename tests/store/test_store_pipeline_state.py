"""Claims, leases and the one-transaction outcome of processing a message."""

from __future__ import annotations

import asyncio

from store_support import message, processed

from gateway.store.base import MessageOutcome, QuarantineReason, Store


async def test_claims_hand_out_the_oldest_messages_first(store: Store) -> None:
    ms = [message(f"{i}".encode()) for i in range(5)]
    for m in ms:
        await store.admit(m)
    claimed = await store.claim_messages("w", 3, 30)
    assert [c.id for c in claimed] == [m.id for m in ms[:3]]


async def test_a_leased_message_is_not_claimed_by_another_worker(store: Store) -> None:
    await store.admit(message())
    assert len(await store.claim_messages("w1", 10, 30)) == 1
    assert await store.claim_messages("w2", 10, 30) == []


async def test_a_message_whose_lease_ran_out_is_claimed_again(store: Store) -> None:
    m = message()
    await store.admit(m)
    await store.claim_messages("crashed", 10, 0.05)
    await asyncio.sleep(0.1)
    assert [c.id for c in await store.claim_messages("w2", 10, 30)] == [m.id]


async def test_an_outcome_stores_events_outbox_entries_audit_and_status_together(store: Store) -> None:
    m = message()
    await store.admit(m)
    await store.claim_messages("w", 10, 30)
    assert await store.record_outcomes([processed(m.id, "w", targets=("erp", "tms"), n_events=2)]) == [m.id]
    history = store.message_history(m.id)
    assert history is not None
    assert history["status"] == "processed"
    assert [e["id"] for e in history["events"]] == [f"{m.id}-0", f"{m.id}-1"]
    assert sorted((d["event_id"], d["target"]) for d in history["deliveries"]) == sorted(
        (f"{m.id}-{i}", t) for i in range(2) for t in ("erp", "tms"))
    assert [s["stage"] for s in history["stages"]] == ["admit", "map", "route"]


async def test_a_processed_message_is_not_claimed_again(store: Store) -> None:
    m = message()
    await store.admit(m)
    await store.claim_messages("w", 10, 0.05)
    await store.record_outcomes([processed(m.id, "w")])
    await asyncio.sleep(0.1)
    assert await store.claim_messages("w", 10, 30) == []


async def test_the_outcome_of_a_worker_that_lost_its_lease_is_discarded(store: Store) -> None:
    m = message()
    await store.admit(m)
    await store.claim_messages("slow", 10, 0.05)
    await asyncio.sleep(0.1)
    await store.claim_messages("fast", 10, 30)
    assert await store.record_outcomes([processed(m.id, "slow")]) == []
    assert await store.record_outcomes([processed(m.id, "fast")]) == [m.id]


async def test_one_rejected_outcome_does_not_undo_the_others_in_its_batch(store: Store) -> None:
    a, b = message(b"a"), message(b"b")
    await store.admit(a)
    await store.admit(b)
    await store.claim_messages("w", 10, 30)
    accepted = await store.record_outcomes([processed(a.id, "someone-else"), processed(b.id, "w")])
    assert accepted == [b.id]


async def test_a_quarantined_message_keeps_its_raw_bytes_and_the_precise_reason(store: Store) -> None:
    m = message(b'{"broken": ')
    await store.admit(m)
    await store.claim_messages("w", 10, 30)
    reason = QuarantineReason(stage="decode", where="line 1 column 12", what="unexpected end of input",
                              why="JSON value expected", mapping=None)
    await store.record_outcomes([MessageOutcome(m.id, "w", quarantine=reason)])
    [q] = store.quarantined()
    assert q.message_id == m.id and q.reason == reason
    history = store.message_history(m.id)
    assert history is not None and history["status"] == "quarantined"
    assert history["quarantine"]["where"] == "line 1 column 12"


async def test_outcomes_make_targets_outbox_wake_up(store: Store) -> None:
    m = message()
    await store.admit(m)
    await store.claim_messages("w", 10, 30)
    waiter = asyncio.create_task(store.wait_for_work("outbox:erp", timeout=5))
    await asyncio.sleep(0)
    await store.record_outcomes([processed(m.id, "w")])
    await asyncio.wait_for(waiter, 1)
