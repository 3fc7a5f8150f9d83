"""Admissions written in bulk: every ``admit`` queued while the writer is busy shares one op.

Admit is the gateway's hottest write. Written one message at a time it cost five statements
(savepoint, dedup lookup, two inserts, release) of which the writer thread must retake the GIL
after each one; under load the event loop holds the GIL and each retake waits. Here the
admissions that arrive while the writer is busy are written together: one multi-row insert into
``dedup`` decides which are new (a look-up runs only when the insert ignored a row), one
multi-row insert stores the new messages.

The record of what came in is the ``messages`` row itself (partner, channel, content type,
bytes, SHA-256, idempotency key, trace context, receipt time); the message history shows it as
the ``admit`` stage, so no separate audit row is written for it.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from gateway.store.base import Admission, InboundMessage

# Rows per INSERT statement: large enough that a batch is a handful of statements, small enough
# that the distinct statement texts (one per row count) stay in the connection's statement cache.
CHUNK = 64

_MESSAGE_COLUMNS = ("id, partner, channel, content_type, body, received_at, idempotency_key, content_hash,"
                    " trace_context, status")
_DEDUP_COLUMNS = "partner, key, message_id"


@lru_cache(maxsize=2 * CHUNK)
def _insert_sql(head: str, row: str, rows: int) -> str:
    return f"{head} VALUES {','.join([row] * rows)}"


def _insert_rows(conn: sqlite3.Connection, head: str, row: str, values: Sequence[tuple[Any, ...]]) -> None:
    for start in range(0, len(values), CHUNK):
        chunk = values[start:start + CHUNK]
        conn.execute(_insert_sql(head, row, len(chunk)), [v for r in chunk for v in r])


class _Pending:
    __slots__ = ("content_hash", "dedup_key", "future", "message", "trace_context")

    def __init__(self, message: InboundMessage, trace_context: str, future: asyncio.Future[Admission]) -> None:
        self.message = message
        self.trace_context = trace_context
        self.future = future
        self.content_hash = ""
        self.dedup_key = ""


# hashlib lets go of the GIL while hashing more than 2 KiB at once. Between two busy threads
# each let-go is a hand-over and a wait to get it back, which costs more than hashing a webhook;
# fed in smaller pieces the hash is computed without letting go.
_GIL_KEPT_CHUNK = 2047


def _sha256_hex(body: bytes) -> str:
    digest = hashlib.sha256()
    view = memoryview(body)
    for start in range(0, len(view), _GIL_KEPT_CHUNK):
        digest.update(view[start:start + _GIL_KEPT_CHUNK])
    return digest.hexdigest()


def _write(conn: sqlite3.Connection, batch: list[_Pending]) -> list[Admission]:
    # Hashed here, in the writer thread, not on the event loop's.
    for p in batch:
        p.content_hash = _sha256_hex(p.message.body)
        key = p.message.idempotency_key
        p.dedup_key = f"key:{key}" if key else f"sha256:{p.content_hash}"
    before = conn.total_changes
    _insert_rows(conn, f"INSERT OR IGNORE INTO dedup ({_DEDUP_COLUMNS})", "(?,?,?)",
                 [(p.message.partner, p.dedup_key, p.message.id) for p in batch])
    if conn.total_changes - before == len(batch):
        admissions = [Admission(p.message.id) for p in batch]
    else:  # some key was known already, or came twice in this batch: the first holder wins
        admissions = []
        for p in batch:
            owner = conn.execute("SELECT message_id FROM dedup WHERE partner = ? AND key = ?",
                                 (p.message.partner, p.dedup_key)).fetchone()[0]
            admissions.append(Admission(owner, duplicate=owner != p.message.id))
    m = [p.message for p in batch]
    rows = [(x.id, x.partner, x.channel, x.content_type, x.body, x.received_at, x.idempotency_key, p.content_hash,
             p.trace_context) for x, p, a in zip(m, batch, admissions, strict=True) if not a.duplicate]
    _insert_rows(conn, f"INSERT INTO messages ({_MESSAGE_COLUMNS})", "(?,?,?,?,?,?,?,?,?,'queued')", rows)
    return admissions


def _settle(batch: list[_Pending], done: asyncio.Future[list[Admission]]) -> None:
    error = None if done.cancelled() else done.exception()
    for i, pending in enumerate(batch):
        if pending.future.done():  # its caller gave up; the write stands all the same
            continue
        if done.cancelled():
            pending.future.cancel()
        elif error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(done.result()[i])


class AdmissionQueue:
    """Collects admissions and hands them to the writer in bulk.

    ``submit`` is the writer's ``submit``; the op it is given takes every admission queued up to
    the moment it runs, so admissions arriving while the writer is busy travel together.
    """

    def __init__(self, submit: Callable[[Callable[[sqlite3.Connection], Any]], asyncio.Future[Any]]) -> None:
        self._submit = submit
        self._lock = threading.Lock()   # the writer thread takes the batch while the loop adds to it
        self._batch: list[_Pending] | None = None

    def admit(self, message: InboundMessage, trace_context: str) -> asyncio.Future[Admission]:
        """Queue one admission; the future resolves once its batch is committed.

        Duplicates are recognised by the idempotency key when there is one, else by the body's SHA-256.
        """
        with self._lock:
            batch = self._batch
            # On Python 3.11 get_running_loop is a getpid system call (1.2 µs here): asked once
            # per batch. The store is used from one event loop, so the open batch's is the caller's.
            if batch is None:
                opened = True
                loop = asyncio.get_running_loop()
                batch = self._batch = []
            else:
                opened = False
                loop = batch[0].future.get_loop()
            pending = _Pending(message, trace_context, loop.create_future())
            batch.append(pending)
        if opened:
            try:
                written = self._submit(lambda conn: self._write_queued(conn, batch))
            except BaseException:
                with self._lock:
                    self._batch = None
                raise
            written.add_done_callback(lambda done: _settle(batch, done))
        return pending.future

    def _write_queued(self, conn: sqlite3.Connection, batch: list[_Pending]) -> list[Admission]:
        with self._lock:  # closed: later admissions open the next batch
            if self._batch is batch:
                self._batch = None
        return _write(conn, batch)
