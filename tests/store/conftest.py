"""Store contract fixtures: every test runs against each engine listed in ``ENGINES``.

A Redis engine joins by adding an opener here; the tests themselves stay as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from store_support import Opener

from gateway.store.base import Store
from gateway.store.sqlite import SqliteStore


def _sqlite(tmp_path: Path) -> Opener:
    return lambda: SqliteStore(tmp_path / "gateway.db", group_commit_max=256, group_commit_ms=1.0)


ENGINES = {"sqlite": _sqlite}


@pytest.fixture(params=sorted(ENGINES))
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Opener:
    """Opens the engine's store on the same underlying data each time it is called (for restarts)."""
    return ENGINES[request.param](tmp_path)


@pytest.fixture
async def store(open_store: Opener) -> AsyncIterator[Store]:
    s = open_store()
    yield s
    s.close()
