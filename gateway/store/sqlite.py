"""The embedded store engine: one SQLite file in WAL mode.

Every write goes through a single writer thread that group-commits (``_writer``): with
``synchronous=FULL`` each batch costs one fsync of the WAL, so an answered ``admit`` is on disk
while hundreds of admissions share the cost. Claims (leases) are the exception: losing one to a
power cut only leaves work claimable again, so a batch of claims alone commits without fsync.
Reads (history, listings, due times) use a separate connection, which WAL lets run beside the
writer, and a third connection copies the WAL into the database in the background (``_checkpoint``).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from gateway.documents import Reply
from gateway.store._admissions import AdmissionQueue
from gateway.store._schema import create_or_upgrade
from gateway.store._writer import GroupCommitWriter
from gateway.store.base import (
    Admission,
    AuditRecord,
    DeadLetter,
    DeliveryRecord,
    InboundMessage,
    LoadTender,
    MessageOutcome,
    NotReplayable,
    OutboxEntry,
    QuarantinedMessage,
    QuarantineReason,
    StoredEvent,
)


def _now_text() -> str:
    # Microseconds: a message's stages and delivery attempts are merged by time in its history.
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _time_key(at: str) -> str:
    """RFC 3339 UTC text that sorts by time whatever its fraction digits (admit's come from HTTP)."""
    base, _, fraction = at.rstrip("Z").partition(".")
    return f"{base}.{fraction.ljust(6, '0')}"


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _connect(path: Path) -> sqlite3.Connection:
    # The statement cache holds the bulk inserts' texts too (one per row count, see ``_admissions``).
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0, cached_statements=256)
    conn.execute("PRAGMA journal_mode=WAL")
    # FULL in WAL mode: the WAL is fsynced at every commit, so an acknowledged admit survives power loss.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    # A 16 MiB page cache (default 2 MiB) keeps the hot queue and outbox pages in memory.
    conn.execute("PRAGMA cache_size=-16384")
    conn.execute("PRAGMA foreign_keys=OFF")
    # Statement journals and sorts in memory: on disk they cost a file create and unlink each.
    conn.execute("PRAGMA temp_store=MEMORY")
    return conn


def _insert_audit(conn: sqlite3.Connection, records: Sequence[AuditRecord], at: str) -> None:
    if records:
        conn.executemany("INSERT INTO audit (message_id, at, stage, detail) VALUES (?, ?, ?, ?)",
                         [(r.message_id, at, r.stage, _dumps(r.detail)) for r in records])


def _record_keys(conn: sqlite3.Connection, message_id: str, keys: Sequence[str]) -> set[str]:
    """Record ``message_id``'s protocol keys; return those another message recorded first."""
    elsewhere = set()
    for key in keys:
        conn.execute("INSERT OR IGNORE INTO message_keys (key, message_id) VALUES (?, ?)", (key, message_id))
        owner = conn.execute("SELECT message_id FROM message_keys WHERE key = ?", (key,)).fetchone()[0]
        if owner != message_id:
            elsewhere.add(key)
    return elsewhere


def _build_replies(o: MessageOutcome, conn: sqlite3.Connection, seen_elsewhere: set[str], at: str) -> list[Reply]:
    """The outcome's protocol replies; a failing builder is audited, never fails the batch."""
    if o.replies is None:
        return []
    try:
        return o.replies(_sequence_in(conn), frozenset(seen_elsewhere))
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not block the queue
        _insert_audit(conn, [AuditRecord(o.message_id, "reply", {"error": f"{type(exc).__name__}: {exc}"})], at)
        return []


def _sequence_in(conn: sqlite3.Connection) -> Callable[[str, str], int]:
    """Control numbers drawn inside the caller's transaction (one sequence per partner key and kind)."""
    def next_number(partner_key: str, kind: str) -> int:
        return conn.execute("INSERT INTO sequences (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE"
                            " SET value = value + 1 RETURNING value", (f"{partner_key}:{kind}",)).fetchone()[0]
    return next_number


class SqliteStore:
    """``Store`` on SQLite. Create with :meth:`open`; use from one asyncio event loop."""

    def __init__(self, path: Path, group_commit_max: int = 512, group_commit_ms: float = 2.0) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

        def writer_connection() -> sqlite3.Connection:
            conn = _connect(path)
            create_or_upgrade(conn)
            return conn

        self._writer = GroupCommitWriter(writer_connection, group_commit_max, group_commit_ms / 1000.0)
        self._admissions = AdmissionQueue(self._writer.submit)
        self._reader = _connect(path)
        self._read_lock = threading.Lock()
        self._signals: dict[str, asyncio.Event] = {}

    # -- plumbing --------------------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._read_lock:
            return self._reader.execute(sql, params).fetchall()

    def _signal(self, queue: str) -> asyncio.Event:
        event = self._signals.get(queue)
        if event is None:
            event = self._signals[queue] = asyncio.Event()
        return event

    def _notify(self, *queues: str) -> None:
        for queue in queues:
            self._signal(queue).set()

    async def wait_for_work(self, queue: str, timeout: float) -> None:
        event = self._signal(queue)
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass
        event.clear()

    def close(self) -> None:
        self._writer.close()
        with self._read_lock:
            self._reader.close()

    # -- admission -------------------------------------------------------------------------------

    async def admit(self, message: InboundMessage) -> Admission:
        admission = await self._admissions.admit(message, _dumps(message.trace_context))
        if not admission.duplicate:
            self._notify("inbox")
        return admission

    # -- pipeline --------------------------------------------------------------------------------

    async def claim_messages(self, owner: str, limit: int, lease_s: float) -> list[InboundMessage]:
        def op(conn: sqlite3.Connection) -> list[InboundMessage]:
            now = time.time()
            rows = conn.execute(
                "UPDATE messages SET status = 'processing', lease_owner = ?, lease_until = ?, claims = claims + 1"
                " WHERE seq IN (SELECT seq FROM messages WHERE status IN ('queued', 'processing') AND lease_until <= ?"
                "  ORDER BY lease_until, seq LIMIT ?)"
                " RETURNING seq, id, partner, channel, content_type, body, received_at, idempotency_key, trace_context",
                (owner, now + lease_s, now, limit)).fetchall()
            rows.sort()
            return [InboundMessage(id=r[1], partner=r[2], channel=r[3], content_type=r[4], body=r[5],
                                   received_at=r[6], idempotency_key=r[7], trace_context=orjson.loads(r[8]))
                    for r in rows]

        return await self._writer.submit(op, durable=False)

    async def record_outcomes(self, outcomes: Sequence[MessageOutcome]) -> list[str]:
        def op(conn: sqlite3.Connection) -> list[str]:
            now, at = time.time(), _now_text()
            accepted = []
            for o in outcomes:
                held = conn.execute("SELECT 1 FROM messages WHERE id = ? AND status = 'processing' AND lease_owner = ?",
                                    (o.message_id, o.owner)).fetchone()
                if not held:
                    continue
                seen_elsewhere = _record_keys(conn, o.message_id, o.dedup_keys)
                duplicate = bool(o.dedup_keys) and seen_elsewhere == set(o.dedup_keys)
                events, deliveries = list(o.events), list(o.deliveries)
                reply_ids: set[str] = set()
                for number, reply in enumerate(_build_replies(o, conn, seen_elsewhere, at)):
                    conn.execute("INSERT INTO replies (message_id, kind, media_type, body, created_at)"
                                 " VALUES (?, ?, ?, ?, ?)", (o.message_id, reply.kind, reply.media_type,
                                                             reply.body, at))
                    if o.reply_target:
                        reply_id = f"{o.message_id}:{reply.kind}:{number}"
                        reply_ids.add(reply_id)
                        events.append(StoredEvent(reply_id, f"x12.{reply.kind}", reply.body, reply.media_type))
                        deliveries.append((reply_id, o.reply_target))
                conn.executemany("INSERT INTO quarantine (message_id, stage, location, what, why, mapping, created_at,"
                                 " part) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
                                 [(o.message_id, q.stage, q.where, q.what, q.why, q.mapping, at)
                                  for q in o.refused_parts])
                if o.quarantine is not None:
                    q = o.quarantine
                    conn.execute("INSERT INTO quarantine (message_id, stage, location, what, why, mapping, created_at)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                 (o.message_id, q.stage, q.where, q.what, q.why, q.mapping, at))
                    status = "quarantined"      # its replies (if any) still go back
                else:
                    status = "processed"
                if duplicate:
                    # Every interchange was translated before: answer it, but emit nothing twice.
                    events = [e for e in events if e.id in reply_ids]
                    _insert_audit(conn, [AuditRecord(o.message_id, "dedup", {
                        "duplicate_of_keys": sorted(seen_elsewhere)})], at)
                kept = {e.id for e in events}
                conn.executemany("INSERT OR IGNORE INTO events (id, message_id, type, body, created_at, content_type)"
                                 " VALUES (?, ?, ?, ?, ?, ?)",
                                 [(e.id, o.message_id, e.type, e.body, at, e.content_type) for e in events])
                conn.executemany("INSERT OR IGNORE INTO outbox (target, event_id, message_id, status, next_attempt_at)"
                                 " VALUES (?, ?, ?, 'pending', ?)",
                                 [(target, event_id, o.message_id, now) for event_id, target in deliveries
                                  if event_id in kept])
                conn.execute("UPDATE messages SET status = ?, lease_owner = NULL, lease_until = 0 WHERE id = ?",
                             (status, o.message_id))
                _insert_audit(conn, o.audit, at)
                accepted.append(o.message_id)
            return accepted

        accepted: list[str] = await self._writer.submit(op)
        self._notify(*{f"outbox:{target}" for o in outcomes for _, target in o.deliveries},
                     *{f"outbox:{o.reply_target}" for o in outcomes if o.reply_target})
        return accepted

    # -- delivery --------------------------------------------------------------------------------

    async def claim_deliveries(self, target: str, owner: str, limit: int, lease_s: float) -> list[OutboxEntry]:
        def op(conn: sqlite3.Connection) -> list[OutboxEntry]:
            now = time.time()
            claimed = conn.execute(
                "UPDATE outbox SET status = 'delivering', lease_owner = ?, next_attempt_at = ?"
                " WHERE id IN (SELECT id FROM outbox WHERE target = ? AND status IN ('pending', 'delivering')"
                "  AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?)"
                " RETURNING id, event_id, message_id, attempts",
                (owner, now + lease_s, target, now, limit)).fetchall()
            if not claimed:
                return []
            messages = {c[2] for c in claimed}
            bodies = {row[0]: row[1:] for row in conn.execute(
                f"SELECT e.id, e.type, e.body, m.trace_context, e.content_type FROM events e"
                f" JOIN messages m ON m.id = e.message_id"
                f" WHERE e.message_id IN ({','.join('?' * len(messages))}) AND e.id IN ({','.join('?' * len(claimed))})",
                [*messages, *(c[1] for c in claimed)])}
            entries = []
            for outbox_id, event_id, message_id, attempts in sorted(claimed):
                etype, body, trace, content_type = bodies[event_id]
                entries.append(OutboxEntry(id=outbox_id, target=target, event_id=event_id, event_type=etype,
                                           message_id=message_id, body=body, attempts=attempts,
                                           trace_context=orjson.loads(trace), content_type=content_type))
            return entries

        return await self._writer.submit(op, durable=False)

    async def record_deliveries(self, records: Sequence[DeliveryRecord]) -> None:
        def op(conn: sqlite3.Connection) -> None:
            # Set-wise, not per record: a batch of answers costs a handful of statements.
            at = _now_text()
            held = {r[0]: r[1:] for r in conn.execute(
                f"SELECT id, target, event_id, message_id, attempts, lease_owner FROM outbox WHERE id IN "
                f"({','.join('?' * len(records))}) AND status = 'delivering'", [r.outbox_id for r in records])}
            attempts, retries, finals, dead = [], [], [], []
            for r in records:
                entry = held.get(r.outbox_id)
                if entry is None or entry[4] != r.owner:
                    continue     # the lease ran out and another worker owns the entry now
                target, event_id, message_id, attempt = entry[0], entry[1], entry[2], entry[3] + 1
                attempts.append((r.outbox_id, message_id, attempt, at, r.outcome, r.status_code, r.detail,
                                 r.duration_ms, r.next_attempt_at))
                if r.outcome == "retry":
                    if r.next_attempt_at is None:
                        raise ValueError("a retry needs next_attempt_at")
                    retries.append((attempt, r.next_attempt_at, r.detail, r.outbox_id))
                else:
                    finals.append(("delivered" if r.outcome == "delivered" else "dead", attempt, r.detail or None,
                                   r.outbox_id))
                    if r.outcome != "delivered":
                        dead.append((r.outbox_id, target, event_id, message_id, r.detail, attempt, at))
            # The attempts table is the audit of deliveries (message_history shows it as "deliver" stages).
            conn.executemany("INSERT INTO attempts (outbox_id, message_id, attempt, at, outcome, status_code, detail,"
                             " duration_ms, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", attempts)
            if retries:
                conn.executemany("UPDATE outbox SET status = 'pending', attempts = ?, next_attempt_at = ?,"
                                 " lease_owner = NULL, last_error = ? WHERE id = ?", retries)
            conn.executemany("UPDATE outbox SET status = ?, attempts = ?, lease_owner = NULL, last_error = ?"
                             " WHERE id = ?", finals)
            if dead:
                conn.executemany("INSERT INTO dead_letters (outbox_id, target, event_id, message_id, reason,"
                                 " attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", dead)

        if records:
            await self._writer.submit(op)

    def next_due(self, target: str) -> float | None:
        rows = self._read("SELECT MIN(next_attempt_at) FROM outbox WHERE target = ? AND status IN ('pending', 'delivering')",
                          (target,))
        return rows[0][0]

    # -- replay ----------------------------------------------------------------------------------

    async def replay_quarantined(self, message_id: str, requested_by: str) -> None:
        def op(conn: sqlite3.Connection) -> None:
            at = _now_text()
            changed = conn.execute(
                "UPDATE messages SET status = 'queued', lease_owner = NULL, lease_until = 0 WHERE id = ?"
                " AND (status = 'quarantined' OR (status = 'processed' AND EXISTS (SELECT 1 FROM quarantine"
                " WHERE message_id = messages.id AND part = 1 AND replayed_at IS NULL)))", (message_id,)).rowcount
            if not changed:
                raise NotReplayable(f"message {message_id} is neither quarantined nor has refused parts "
                                    "(or does not exist)")
            conn.execute("UPDATE quarantine SET replayed_at = ?, replayed_by = ? WHERE message_id = ?"
                         " AND replayed_at IS NULL", (at, requested_by, message_id))
            _insert_audit(conn, [AuditRecord(message_id, "replay", {"kind": "quarantine", "requested_by": requested_by})], at)

        await self._writer.submit(op)
        self._notify("inbox")

    async def replay_dead_letter(self, dead_letter_id: int, requested_by: str) -> None:
        def op(conn: sqlite3.Connection) -> str:
            at = _now_text()
            row = conn.execute("SELECT outbox_id, target, message_id, event_id FROM dead_letters"
                               " WHERE id = ? AND replayed_at IS NULL", (dead_letter_id,)).fetchone()
            if row is None:
                raise NotReplayable(f"dead letter {dead_letter_id} does not exist or was already replayed")
            outbox_id, target, message_id, event_id = row
            conn.execute("UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, lease_owner = NULL"
                         " WHERE id = ?", (time.time(), outbox_id))
            conn.execute("UPDATE dead_letters SET replayed_at = ?, replayed_by = ? WHERE id = ?",
                         (at, requested_by, dead_letter_id))
            _insert_audit(conn, [AuditRecord(message_id, "replay", {
                "kind": "dead_letter", "dead_letter_id": dead_letter_id, "target": target, "event_id": event_id,
                "requested_by": requested_by})], at)
            return target

        target: str = await self._writer.submit(op)
        self._notify(f"outbox:{target}")

    def dead_letters(self, target: str | None = None, include_replayed: bool = False,
                     limit: int = 100) -> list[DeadLetter]:
        sql = ("SELECT id, outbox_id, target, event_id, message_id, reason, attempts, created_at, replayed_at,"
               " replayed_by FROM dead_letters WHERE (? IS NULL OR target = ?)")
        if not include_replayed:
            sql += " AND replayed_at IS NULL"
        rows = self._read(sql + " ORDER BY id LIMIT ?", (target, target, limit))
        return [DeadLetter(*r) for r in rows]

    def quarantined(self, partner: str | None = None, limit: int = 100) -> list[QuarantinedMessage]:
        rows = self._read(
            "SELECT q.message_id, m.partner, m.channel, q.stage, q.location, q.what, q.why, q.mapping, q.created_at,"
            " q.part FROM quarantine q JOIN messages m ON m.id = q.message_id"
            " WHERE q.replayed_at IS NULL AND (m.status = 'quarantined' OR (m.status = 'processed' AND q.part = 1))"
            " AND (? IS NULL OR m.partner = ?) ORDER BY q.id LIMIT ?", (partner, partner, limit))
        return [QuarantinedMessage(r[0], r[1], r[2], QuarantineReason(r[3], r[4], r[5], r[6], r[7]), r[8], bool(r[9]))
                for r in rows]

    def event(self, message_id: str, event_id: str) -> tuple[str, dict[str, Any]] | None:
        rows = self._read("SELECT m.partner, e.body FROM events e JOIN messages m ON m.id = e.message_id"
                          " WHERE e.message_id = ? AND e.id = ?", (message_id, event_id))
        return (rows[0][0], orjson.loads(rows[0][1])) if rows else None

    def load_tenders(self, partner: str | None = None, limit: int = 100) -> list[LoadTender]:
        # The type is written out, not bound, so that SQLite can use the partial index on it.
        rows = self._read(
            "SELECT e.message_id, m.partner, e.body FROM events e JOIN messages m ON m.id = e.message_id"
            " WHERE e.type = 'org.logistics-gateway.load.tender.v1' AND (? IS NULL OR m.partner = ?)"
            " ORDER BY e.message_id DESC LIMIT ?", (partner, partner, limit))
        messages = sorted({r[0] for r in rows})
        decided: dict[str, list[dict[str, Any]]] = {}
        for start in range(0, len(messages), 500):   # SQLite's bound-parameter limit, with room to spare
            chunk = messages[start:start + 500]
            for (detail,) in self._read(f"SELECT detail FROM audit WHERE stage = 'decide' AND message_id IN "
                                        f"({','.join('?' * len(chunk))}) ORDER BY id", chunk):
                for answer in orjson.loads(detail).get("tenders", []):
                    decided.setdefault(answer.get("tender"), []).append(answer)
        tenders = []
        for message_id, owner, body in rows:
            event = orjson.loads(body)
            tenders.append(LoadTender(message_id, owner, event, tuple(decided.get(event.get("id"), ()))))
        return tenders

    # -- small durable facts ---------------------------------------------------------------------

    async def seen(self, key: str) -> bool:
        def op(conn: sqlite3.Connection) -> bool:
            return conn.execute("INSERT OR IGNORE INTO seen_keys (key, at) VALUES (?, ?)",
                                (key, _now_text())).rowcount == 0

        return await self._writer.submit(op)

    async def next_sequence(self, name: str) -> int:
        def op(conn: sqlite3.Connection) -> int:
            return conn.execute("INSERT INTO sequences (name, value) VALUES (?, 1)"
                                " ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value",
                                (name,)).fetchone()[0]

        return await self._writer.submit(op)

    async def audit(self, records: Sequence[AuditRecord]) -> None:
        await self._writer.submit(lambda conn: _insert_audit(conn, records, _now_text()))

    # -- reads -----------------------------------------------------------------------------------

    def outbox_entry(self, entry_id: int) -> dict[str, Any] | None:
        """One outbox entry's identity and state (target, message, event, status), or None."""
        rows = self._read("SELECT id, target, message_id, event_id, status FROM outbox WHERE id = ?", (entry_id,))
        if not rows:
            return None
        row = rows[0]
        return {"id": row[0], "target": row[1], "message_id": row[2], "event_id": row[3], "status": row[4]}

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("inbox", "processing", "processed", "quarantined", "outbox", "delivering",
                                "delivered", "dead"), 0)
        for status, n in self._read("SELECT status, COUNT(*) FROM messages GROUP BY status"):
            counts["inbox" if status == "queued" else status] = n
        for status, n in self._read("SELECT status, COUNT(*) FROM outbox GROUP BY status"):
            counts["outbox" if status == "pending" else status] = n
        return counts

    def message_history(self, message_id: str) -> dict[str, Any] | None:
        with self._read_lock:
            conn = self._reader
            conn.execute("BEGIN")  # one consistent snapshot across the queries below
            try:
                row = conn.execute("SELECT id, partner, channel, content_type, received_at, status, idempotency_key,"
                                   " content_hash, trace_context, length(body) FROM messages WHERE id = ?", (message_id,)).fetchone()
                if row is None:
                    return None
                audit = conn.execute("SELECT at, stage, detail FROM audit WHERE message_id = ? ORDER BY id",
                                     (message_id,)).fetchall()
                quarantine = conn.execute("SELECT stage, location, what, why, mapping, created_at, replayed_at,"
                                          " replayed_by, part FROM quarantine WHERE message_id = ? ORDER BY id",
                                          (message_id,)).fetchall()
                events = conn.execute("SELECT body FROM events WHERE message_id = ? AND type NOT LIKE 'x12.%'"
                                      " ORDER BY rowid", (message_id,)).fetchall()
                replies = conn.execute("SELECT kind, media_type, body, created_at FROM replies WHERE message_id = ?"
                                       " ORDER BY id", (message_id,)).fetchall()
                outbox = conn.execute("SELECT id, target, event_id, status, attempts, next_attempt_at, last_error"
                                      " FROM outbox WHERE message_id = ? ORDER BY id", (message_id,)).fetchall()
                attempts = conn.execute("SELECT outbox_id, attempt, at, outcome, status_code, detail, duration_ms,"
                                        " next_attempt_at FROM attempts WHERE message_id = ? ORDER BY id",
                                        (message_id,)).fetchall()
            finally:
                conn.execute("COMMIT")
        # Parts refused on their own (an X12 set failing its guide) are marked "part".
        errors = [{"stage": q[0], "where": q[1], "what": q[2], "why": q[3], "mapping": q[4], "at": q[5],
                   "replayed_at": q[6], "replayed_by": q[7], **({"part": True} if q[8] else {})} for q in quarantine]
        whole = [e for e in errors if not e.get("part")]
        admitted = {"at": row[4], "stage": "admit", "partner": row[1], "channel": row[2], "content_type": row[3],
                    "bytes": row[9], "sha256": row[7], "idempotency_key": row[6]}
        stages = [admitted, *({"at": a[0], "stage": a[1], **orjson.loads(a[2])} for a in audit)]
        entries = {o[0]: o for o in outbox}
        delivered = [{"at": a[2], "stage": "deliver", "target": entries[a[0]][1], "event_id": entries[a[0]][2],
                      "attempt": a[1], "outcome": a[3], "status_code": a[4], "detail": a[5], "duration_ms": a[6],
                      **({"next_attempt_at": a[7]} if a[7] is not None else {})} for a in attempts]
        by_entry: dict[int, list[dict[str, Any]]] = {}
        for a in attempts:
            by_entry.setdefault(a[0], []).append({"attempt": a[1], "at": a[2], "outcome": a[3], "status_code": a[4],
                                                  "detail": a[5], "duration_ms": a[6]})
            if a[3] != "delivered":
                errors.append({"stage": "deliver", "where": f"outbox {a[0]}", "what": a[5], "at": a[2]})
        return {
            "id": row[0], "partner": row[1], "channel": row[2], "content_type": row[3], "received_at": row[4],
            "status": row[5], "idempotency_key": row[6], "sha256": row[7], "trace_context": orjson.loads(row[8]),
            "stages": sorted([*stages, *delivered], key=lambda stage: _time_key(stage["at"])),
            "errors": errors,
            "events": [orjson.loads(e[0]) for e in events],
            "deliveries": [{"id": o[0], "target": o[1], "event_id": o[2], "status": o[3], "attempts": o[4],
                            "next_attempt_at": o[5], "last_error": o[6], "history": by_entry.get(o[0], [])}
                           for o in outbox],
            "quarantine": whole[-1] if whole and row[5] == "quarantined" else None,
            "replies": [{"kind": r[0], "media_type": r[1], "body": r[2].decode("utf-8", "replace"), "at": r[3]}
                        for r in replies],
        }

