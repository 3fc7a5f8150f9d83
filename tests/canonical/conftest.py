"""Shared fixtures: one validator and schema store per test session (compiling is slow)."""

from __future__ import annotations

import pytest

from canonical.schema_store import SchemaStore, load_schemas
from canonical.validate import CanonicalValidator


@pytest.fixture(scope="session")
def store() -> SchemaStore:
    return load_schemas()


@pytest.fixture(scope="session")
def validator(store: SchemaStore) -> CanonicalValidator:
    return CanonicalValidator(store)
