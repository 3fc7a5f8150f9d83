"""Build the environment mappings compile against, from the canonical package and config."""

from __future__ import annotations

from pathlib import Path

import canonical
from canonical.schema_store import load_schemas
from gateway.mapping.loader import MappingEnvironment
from gateway.mapping.tables import load_table_dir

CANONICAL_TABLES = Path(canonical.__file__).parent / "tables"


def default_environment(extra_tables: Path | None = None) -> MappingEnvironment:
    """Canonical schemas plus the shipped code tables; ``extra_tables`` may add or replace tables."""
    tables = load_table_dir(CANONICAL_TABLES)
    if extra_tables is not None:
        tables.update(load_table_dir(extra_tables))
    return MappingEnvironment(load_schemas(), tables)
