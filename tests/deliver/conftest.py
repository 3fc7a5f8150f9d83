"""Delivery fixtures: a real store with outbox entries and a real webhook receiver on a free port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
from deliver_support import EVENT_TYPE, SECRET, TRACEPARENT, AddEvents, Receiver
from ulid_transform import ulid_now

from gateway.receiver import create_receiver_app, serve_app
from gateway.store.base import AuditRecord, InboundMessage, MessageOutcome, StoredEvent
from gateway.store.sqlite import SqliteStore


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = create_receiver_app(SECRET)
    async with serve_app(app) as url:
        yield Receiver(url, app)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "gateway.db", group_commit_ms=0.5)
    yield s
    s.close()


@pytest.fixture
def add_events(store: SqliteStore) -> AddEvents:
    """Admit and process ``n`` messages of one event each, routed to target "erp"; returns the event ids."""
    async def add(n: int) -> list[str]:
        ids = []
        for _ in range(n):
            mid = ulid_now()
            await store.admit(InboundMessage(mid, "acme", "acme-json", "application/json", mid.encode(),
                                             "2026-11-28T01:00:00Z", trace_context={"traceparent": TRACEPARENT}))
            ids.append(f"evt-{mid}")
        claimed = await store.claim_messages("pipeline", n, 30)
        await store.record_outcomes([MessageOutcome(
            m.id, "pipeline",
            events=(StoredEvent(f"evt-{m.id}", EVENT_TYPE, orjson.dumps({
                "specversion": "1.0", "id": f"evt-{m.id}", "type": EVENT_TYPE, "source": "test", "data": {}})),),
            deliveries=((f"evt-{m.id}", "erp"),), audit=(AuditRecord(m.id, "route", {"targets": ["erp"]}),))
            for m in claimed])
        return ids
    return add
