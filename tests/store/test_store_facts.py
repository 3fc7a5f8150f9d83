"""Small durable facts: seen keys (X12 control numbers), named sequences, history of unknown ids."""

from __future__ import annotations

import asyncio

from store_support import Opener, message

from gateway.store.base import AuditRecord, Store


async def test_a_key_is_new_the_first_time_and_seen_afterwards(store: Store) -> None:
    assert await store.seen("x12:acme:ISA13:000000905") is False
    assert await store.seen("x12:acme:ISA13:000000905") is True


async def test_a_sequence_counts_up_from_one(store: Store) -> None:
    assert [await store.next_sequence("997:acme") for _ in range(3)] == [1, 2, 3]


async def test_sequences_are_independent_by_name(store: Store) -> None:
    await store.next_sequence("997:acme")
    assert await store.next_sequence("997:globex") == 1


async def test_concurrent_sequence_numbers_are_unique(store: Store) -> None:
    values = await asyncio.gather(*(store.next_sequence("997:acme") for _ in range(200)))
    assert sorted(values) == list(range(1, 201))


async def test_a_sequence_survives_a_restart(open_store: Opener) -> None:
    first = open_store()
    await first.next_sequence("997:acme")
    await first.next_sequence("997:acme")
    first.close()
    second = open_store()
    try:
        assert await second.next_sequence("997:acme") == 3
        assert await second.seen("never") is False
    finally:
        second.close()


async def test_the_history_of_an_unknown_message_is_none(store: Store) -> None:
    assert store.message_history("01JDOESNOTEXIST") is None


async def test_audit_records_of_other_components_join_the_message_history(store: Store) -> None:
    m = message()
    await store.admit(m)
    await store.audit([AuditRecord(m.id, "ack", {"kind": "997", "control_number": 1})])
    history = store.message_history(m.id)
    assert history is not None and history["stages"][-1] == {**history["stages"][-1], "stage": "ack", "kind": "997"}
