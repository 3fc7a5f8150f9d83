"""Code tables as the mapping compiler sees them: code → value, with an optional default."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.yamlsrc import load_yaml, position_of


class Table:
    """An immutable code table. Values are text or small objects (e.g. ``{code, classifier}``)."""

    def __init__(self, name: str, entries: Mapping[str, Any], default: Any = None, fold_case: bool = False) -> None:
        self.name = name
        self._fold = fold_case
        self._entries = {k.upper(): v for k, v in entries.items()} if fold_case else dict(entries)
        if fold_case:  # spelled-out mixed-case aliases win over their folded twins
            self._entries.update({k: v for k, v in entries.items() if k != k.upper()})
        self._default = default
        self._fields = sorted({k for v in self._entries.values() if isinstance(v, dict) for k in v})

    def get(self, code: str) -> Any:
        found = self._entries.get(code)
        if found is None and self._fold and isinstance(code, str):
            found = self._entries.get(code.upper())
        if found is None:
            found = self._entries.get(code.strip()) if isinstance(code, str) else None
        return self._default if found is None else found

    def has_field(self, name: str) -> bool:
        return name in self._fields

    def fields(self) -> list[str]:
        return list(self._fields)

    def __len__(self) -> int:
        return len(self._entries)

    def codes(self) -> list[str]:
        return list(self._entries)


class TableLoadError(ValueError):
    """A code table file is malformed; the message names file and line."""


def load_table_dir(directory: Path) -> dict[str, Table]:
    """Load every ``*.yaml`` code table in a directory (``name``, ``rows``, optional ``default``)."""
    tables: dict[str, Table] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        doc = load_yaml(path)
        if not isinstance(doc, dict) or not isinstance(doc.get("rows"), dict):
            raise TableLoadError(f"{position_of(doc) or path}: a code table needs name and rows")
        name = doc.get("name") or path.stem
        if name in tables:
            raise TableLoadError(f"{position_of(doc, 'name')}: table {name!r} is defined twice")
        tables[name] = Table(name, {str(k): v for k, v in doc["rows"].items()}, doc.get("default"),
                             fold_case=doc.get("match") == "upper")
    return tables
