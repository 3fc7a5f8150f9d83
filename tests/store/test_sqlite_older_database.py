"""A database made by an earlier release opens and works: the SQLite engine upgrades what it must."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store_support import message, processed

from gateway.store.base import DeliveryRecord
from gateway.store.sqlite import SqliteStore

# The tables as the first release made them: events and outbox keyed by event id, and a
# quarantine without the ``part`` column.
FIRST_RELEASE_TABLES = """
CREATE TABLE events (id TEXT PRIMARY KEY, message_id TEXT NOT NULL, type TEXT NOT NULL, body BLOB NOT NULL,
    created_at TEXT NOT NULL, content_type TEXT NOT NULL DEFAULT 'application/cloudevents+json');
CREATE INDEX events_message ON events(message_id);
CREATE TABLE outbox (id INTEGER PRIMARY KEY, target TEXT NOT NULL, event_id TEXT NOT NULL, message_id TEXT NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL, lease_owner TEXT,
    last_error TEXT, UNIQUE (event_id, target));
CREATE INDEX outbox_message ON outbox(message_id);
CREATE TABLE quarantine (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL, stage TEXT NOT NULL,
    location TEXT NOT NULL, what TEXT NOT NULL, why TEXT NOT NULL, mapping TEXT, created_at TEXT NOT NULL,
    replayed_at TEXT, replayed_by TEXT);
"""


async def test_a_first_release_database_admits_translates_and_delivers(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(FIRST_RELEASE_TABLES)
    store = SqliteStore(path, group_commit_max=256, group_commit_ms=1.0)
    try:
        m = message()
        await store.admit(m)
        await store.claim_messages("w", 10, 30)
        await store.record_outcomes([processed(m.id, "w", n_events=2)])
        entries = await store.claim_deliveries("erp", "d", 10, 30)
        assert sorted(e.event_id for e in entries) == [f"{m.id}-0", f"{m.id}-1"]
        await store.record_deliveries([DeliveryRecord(e.id, "d", "delivered", status_code=204) for e in entries])
        history = store.message_history(m.id)
        assert [d["status"] for d in history["deliveries"]] == ["delivered", "delivered"]
        assert len(history["events"]) == 2
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        assert "part" in {row[1] for row in conn.execute("PRAGMA table_info(quarantine)")}
