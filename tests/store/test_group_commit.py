"""The SQLite engine's group commit: what one event-loop turn submits shares one commit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_support import message

from gateway.store._writer import GroupCommitWriter, Op
from gateway.store.base import Admission
from gateway.store.sqlite import SqliteStore


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
    return conn


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch the writer commits."""
    sizes: list[int] = []
    real = GroupCommitWriter._commit

    def counting(self: GroupCommitWriter, conn: sqlite3.Connection, batch: list[Any]) -> None:
        sizes.append(len(batch))
        real(self, conn, batch)

    monkeypatch.setattr(GroupCommitWriter, "_commit", counting)
    return sizes


@pytest.fixture
def writer(tmp_path: Path, commits: list[int]) -> Iterator[GroupCommitWriter]:
    path = tmp_path / "w.db"
    w = GroupCommitWriter(lambda: _connect(path), max_batch=512, max_wait_s=0.0)
    yield w
    w.close()


def _insert(x: int) -> Op:
    return lambda conn: conn.execute("INSERT INTO t VALUES (?)", (x,)).lastrowid


async def test_the_writes_of_one_loop_turn_share_one_commit(writer: GroupCommitWriter, commits: list[int]) -> None:
    await asyncio.gather(*(writer.submit(_insert(x)) for x in range(50)))
    assert commits == [50]


async def test_a_failing_write_does_not_undo_its_neighbours(writer: GroupCommitWriter, tmp_path: Path) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (99)")
        conn.execute("INSERT INTO missing VALUES (1)")

    results = await asyncio.gather(writer.submit(_insert(1)), writer.submit(broken), writer.submit(_insert(2)),
                                   return_exceptions=True)
    assert isinstance(results[1], sqlite3.OperationalError)
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert sorted(r[0] for r in conn.execute("SELECT x FROM t")) == [1, 2]


async def test_close_commits_what_the_current_turn_submitted(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    w = GroupCommitWriter(lambda: _connect(path), max_batch=512, max_wait_s=0.0)
    pending = w.submit(_insert(5))
    w.close()
    assert await pending is not None
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(5,)]


_admission = st.tuples(st.sampled_from(["acme", "globex"]), st.sampled_from([None, "k1", "k2", "k3"]),
                       st.sampled_from([b"a", b"b", b"c"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(_admission, min_size=1, max_size=150))
def test_admissions_written_together_keep_one_original_per_partner_and_key(tmp_path_factory: pytest.TempPathFactory,
                                                                           batch: list[tuple[str, str | None, bytes]]
                                                                           ) -> None:
    store = SqliteStore(tmp_path_factory.mktemp("bulk") / "gateway.db")

    async def admit_all() -> list[Admission]:
        return list(await asyncio.gather(*(store.admit(message(body, partner, key)) for partner, key, body in batch)))

    try:
        admissions = asyncio.run(admit_all())
    finally:
        store.close()
    first: dict[tuple[str, object], str] = {}
    for (partner, key, body), admission in zip(batch, admissions, strict=True):
        identity = (partner, key if key is not None else body)
        if identity not in first:
            assert not admission.duplicate
            first[identity] = admission.message_id
        else:
            assert admission.duplicate and admission.message_id == first[identity]


async def test_a_failing_write_alone_in_its_commit_leaves_nothing_behind(writer: GroupCommitWriter,
                                                                         tmp_path: Path) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (99)")
        conn.execute("INSERT INTO missing VALUES (1)")

    with pytest.raises(sqlite3.OperationalError):
        await writer.submit(broken)
    assert await writer.submit(_insert(3)) is not None
    with sqlite3.connect(tmp_path / "w.db") as conn:
        assert conn.execute("SELECT x FROM t").fetchall() == [(3,)]
