"""WAL checkpoints from a thread of their own, so no commit waits for one.

SQLite's automatic checkpoint runs inside the commit that crosses the WAL size limit: that
commit copies the WAL's pages into the database and fsyncs both files before its callers hear
back. Under admit load one batch in six or seven waited 2-3 ms for it while the event loop,
every connection's request being in that batch, had nothing to do (measured: those commits
were a tenth of the wall time at 32 connections). Here a second connection copies the WAL in
the background with PASSIVE checkpoints, which never block the writer; SQLite restarts the WAL
from its start once a checkpoint has copied all of it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

log = logging.getLogger(__name__)


class Checkpointer:
    """Runs a PASSIVE checkpoint of one database at most every ``interval_s`` while it is written."""

    def __init__(self, path: str, interval_s: float) -> None:
        self._path = path
        self._interval_s = interval_s
        self._written = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-checkpointer", daemon=True)
        self._thread.start()

    def written(self) -> None:
        """Tell the checkpointer that a commit added to the WAL."""
        self._written.set()

    def close(self) -> None:
        """Stop after the checkpoint in progress, if any."""
        self._stopping.set()
        self._written.set()
        self._thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            while True:
                self._written.wait()
                if self._stopping.is_set():
                    return
                self._written.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    # The writer's own safety-net checkpoint takes over if these keep failing.
                    log.exception("background checkpoint of %s failed", self._path)
                self._stopping.wait(self._interval_s)
        finally:
            conn.close()


def database_file(conn: sqlite3.Connection) -> str | None:
    """The file ``conn`` writes when it is in WAL mode (None for memory databases and other modes)."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        return None
    return conn.execute("PRAGMA database_list").fetchone()[2] or None
