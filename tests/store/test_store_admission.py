"""Admission: raw bytes are durable when ``admit`` returns, and duplicates are recognised."""

from __future__ import annotations

import asyncio

from store_support import Opener, message

from gateway.store.base import Store


async def test_admit_answers_with_the_message_id(store: Store) -> None:
    m = message()
    admission = await store.admit(m)
    assert admission.message_id == m.id and not admission.duplicate


async def test_an_admitted_message_is_still_there_after_reopening_the_store(open_store: Opener) -> None:
    first = open_store()
    m = message(b"raw bytes \x00\xff kept exactly")
    await first.admit(m)
    first.close()
    second = open_store()
    try:
        [claimed] = await second.claim_messages("w", 10, 30)
        assert claimed == m
    finally:
        second.close()


async def test_the_same_idempotency_key_from_the_same_partner_is_a_duplicate_of_the_first(store: Store) -> None:
    first = await store.admit(message(b"a", key="k-1"))
    again = await store.admit(message(b"b", key="k-1"))
    assert again.duplicate and again.message_id == first.message_id


async def test_the_same_idempotency_key_from_another_partner_is_a_new_message(store: Store) -> None:
    await store.admit(message(b"a", partner="acme", key="k-1"))
    other = await store.admit(message(b"a", partner="globex", key="k-1"))
    assert not other.duplicate


async def test_identical_bytes_without_a_key_are_a_duplicate(store: Store) -> None:
    first = await store.admit(message(b"same bytes"))
    again = await store.admit(message(b"same bytes"))
    assert again.duplicate and again.message_id == first.message_id


async def test_a_duplicate_is_not_queued_twice(store: Store) -> None:
    await store.admit(message(b"same bytes"))
    await store.admit(message(b"same bytes"))
    assert len(await store.claim_messages("w", 10, 30)) == 1


async def test_concurrent_admissions_all_become_durable(store: Store) -> None:
    messages = [message(f"body {i}".encode()) for i in range(1000)]
    admissions = await asyncio.gather(*(store.admit(m) for m in messages))
    assert [a.message_id for a in admissions] == [m.id for m in messages]
    assert store.counts()["inbox"] == 1000


async def test_concurrent_duplicates_in_one_batch_are_recognised(store: Store) -> None:
    admissions = await asyncio.gather(*(store.admit(message(b"x", key="same")) for _ in range(20)))
    assert sum(not a.duplicate for a in admissions) == 1
    assert len({a.message_id for a in admissions}) == 1


async def test_admission_wakes_a_worker_waiting_for_inbox_work(store: Store) -> None:
    waiter = asyncio.create_task(store.wait_for_work("inbox", timeout=5))
    await asyncio.sleep(0)
    await store.admit(message())
    await asyncio.wait_for(waiter, 1)


async def test_admission_is_recorded_in_the_audit_trail(store: Store) -> None:
    m = message(key="k-9")
    await store.admit(m)
    history = store.message_history(m.id)
    assert history is not None
    assert history["stages"][0]["stage"] == "admit"
    assert history["stages"][0]["idempotency_key"] == "k-9"
    assert history["trace_context"] == m.trace_context
