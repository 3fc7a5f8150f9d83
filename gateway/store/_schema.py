"""The SQLite schema of the embedded store (created on open, idempotent)."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    partner TEXT NOT NULL,
    channel TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    received_at TEXT NOT NULL,
    idempotency_key TEXT,
    content_hash TEXT NOT NULL,
    trace_context TEXT NOT NULL,
    status TEXT NOT NULL,            -- queued | processing | processed | quarantined
    lease_owner TEXT,
    lease_until REAL NOT NULL DEFAULT 0,   -- 0 while queued; lease expiry while processing
    claims INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_ready ON messages(lease_until) WHERE status IN ('queued', 'processing');

CREATE TABLE IF NOT EXISTS dedup (
    partner TEXT NOT NULL,
    key TEXT NOT NULL,
    message_id TEXT NOT NULL,
    PRIMARY KEY (partner, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS seen_keys (key TEXT PRIMARY KEY, at TEXT NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

-- Keyed by message first: message ids are ULIDs (time-ordered) while event ids are hashes, so new
-- rows land at the end of the index instead of on a random page each (far fewer pages per commit).
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    type TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT 'application/cloudevents+json',
    UNIQUE (message_id, id)
);

-- Protocol identities of messages (X12: sender, receiver, interchange control number).
CREATE TABLE IF NOT EXISTS message_keys (key TEXT PRIMARY KEY, message_id TEXT NOT NULL) WITHOUT ROWID;

-- What the protocol answered (X12 997/999/TA1), kept with the message.
CREATE TABLE IF NOT EXISTS replies (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    media_type TEXT NOT NULL,
    body BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS replies_message ON replies(message_id);

CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    event_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    status TEXT NOT NULL,            -- pending | delivering | delivered | dead
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,   -- when pending: next attempt; when delivering: lease expiry
    lease_owner TEXT,
    last_error TEXT,
    UNIQUE (message_id, event_id, target)   -- message first, as for events
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(target, next_attempt_at) WHERE status IN ('pending', 'delivering');

CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    status_code INTEGER,
    detail TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    next_attempt_at REAL
);
CREATE INDEX IF NOT EXISTS attempts_message ON attempts(message_id);

CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL,
    target TEXT NOT NULL,
    event_id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    replayed_at TEXT,
    replayed_by TEXT
);
CREATE INDEX IF NOT EXISTS dead_letters_open ON dead_letters(target) WHERE replayed_at IS NULL;

CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    location TEXT NOT NULL,
    what TEXT NOT NULL,
    why TEXT NOT NULL,
    mapping TEXT,
    created_at TEXT NOT NULL,
    replayed_at TEXT,
    replayed_by TEXT,
    part INTEGER NOT NULL DEFAULT 0   -- 1: one part refused (an X12 set) while the rest was translated
);
CREATE INDEX IF NOT EXISTS quarantine_message ON quarantine(message_id);

CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL,
    at TEXT NOT NULL,
    stage TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_message ON audit(message_id);

-- Planners look for the load tenders awaiting an answer; only those rows are indexed, by message
-- (ULIDs: newest last), which both the first and the current events layout have.
CREATE INDEX IF NOT EXISTS events_load_tenders ON events(message_id) WHERE type = 'org.logistics-gateway.load.tender.v1';
"""

# Columns added after a table was first released: (table, column, definition). A database made
# before gets them on open, so an older demo or test database keeps working. Its events and outbox
# keep their first keys (event id first): every query works on both layouts, only slower there.
_ADDED_COLUMNS = [("quarantine", "part", "INTEGER NOT NULL DEFAULT 0")]


def create_or_upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables that are missing and add the columns an older database lacks."""
    conn.executescript(SCHEMA)
    for table, column, definition in _ADDED_COLUMNS:
        if column not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
