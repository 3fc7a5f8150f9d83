"""WAL checkpoints run beside the writer, not inside its commits."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

from store_support import message

from gateway.store._checkpoint import Checkpointer, database_file
from gateway.store.sqlite import SqliteStore

PAGE = 4096


def _pages_in_database_file(path: Path) -> int:
    return path.stat().st_size // PAGE


async def test_admitted_messages_reach_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    # 60 bodies of a page or more each are far below the writer's own checkpoint threshold, so only the
    # background checkpointer can copy them out of the WAL into the database file.
    path = tmp_path / "gateway.db"
    store = SqliteStore(path)
    try:
        before = _pages_in_database_file(path)
        for batch in range(3):
            await asyncio.gather(*(store.admit(message(b"%d" % (batch * 20 + i) * PAGE)) for i in range(20)))
        deadline = time.monotonic() + 10
        while _pages_in_database_file(path) < before + 60 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        assert _pages_in_database_file(path) >= before + 60
    finally:
        store.close()


def test_closing_the_checkpointer_stops_its_thread_at_once(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    checkpointer = Checkpointer(str(path), interval_s=3600.0)
    checkpointer.written()
    started = time.monotonic()
    checkpointer.close()
    assert time.monotonic() - started < 5


def test_only_a_wal_database_file_gets_a_checkpointer(tmp_path: Path) -> None:
    wal = sqlite3.connect(tmp_path / "a.db")
    wal.execute("PRAGMA journal_mode=WAL")
    rollback = sqlite3.connect(tmp_path / "b.db")
    memory = sqlite3.connect(":memory:")
    try:
        assert database_file(wal) == str(tmp_path / "a.db")
        assert database_file(rollback) is None
        assert database_file(memory) is None
    finally:
        for conn in (wal, rollback, memory):
            conn.close()
