"""Load the code tables in ``canonical/tables/*.yaml`` with strict checks.

YAML 1.1 silently turns unquoted ``021`` into 17, ``NO`` into False and ``1e3``
into a float, and PyYAML keeps the last of two duplicate keys. Codes are the
one thing the crosswalks must not get wrong, so the loader works on the YAML
node tree (not the constructed values) and rejects, with ``file:line``:
unquoted codes or values, duplicate keys, unknown header fields, values of the
wrong shape, and references to codes that the referenced table does not have.

File shape::

    name: "x12-at7-status"          # must equal the file stem
    description: "..."
    value: "{code, classifier}"     # documentation of the value shape
    match: "upper"                  # optional: exact (default) | upper | lower
    refs: {code: "status-taxonomy"} # optional: field -> table whose keys it must be
    default: {code: "UNKNOWN"}      # optional: value for keys not in rows
    rows:
      "AF": {code: "PICKED_UP", classifier: "ACTUAL"}
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_TABLE_DIR = Path(__file__).parent / "tables"

TableValue = str | Mapping[str, str]
"""A row value: a code string or a small mapping of field -> string."""

_STR_TAG = "tag:yaml.org,2002:str"
_HEADER = {"name", "description", "value", "match", "refs", "default", "rows", "source"}
_FIELD_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MISSING = object()


class TableError(ValueError):
    """A table file is malformed; the message starts with ``file:line``."""


@dataclass(frozen=True)
class Table(Mapping[str, TableValue]):
    """A read-only code table: source code -> canonical value, with an optional default."""

    name: str
    rows: Mapping[str, TableValue]
    default: TableValue | None = None
    match: str = "exact"
    description: str = ""
    path: Path | None = None
    lines: Mapping[str, int] = field(default_factory=dict, repr=False, compare=False)
    """Row key -> line number in the file, for error messages."""
    refs: Mapping[str, tuple[str, int]] = field(default_factory=dict, repr=False, compare=False)
    """Value field -> (table whose keys it must be, line of the declaration)."""

    def _norm(self, key: str) -> str:
        if self.match == "upper":
            return key.upper()
        if self.match == "lower":
            return key.lower()
        return key

    def __getitem__(self, key: str) -> TableValue:
        """Exact row lookup (after case folding when ``match`` says so); no default."""
        return self.rows[self._norm(key)]

    def __iter__(self) -> Iterator[str]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._norm(key) in self.rows

    def get(self, key: str, default: TableValue | object | None = _MISSING) -> TableValue | None:  # type: ignore[override]
        """Row value, else the explicit ``default`` argument, else the table's default."""
        found = self.rows.get(self._norm(key)) if isinstance(key, str) else None
        if found is not None:
            return found
        return self.default if default is _MISSING else default  # type: ignore[return-value]

    def lookup(self, key: str) -> TableValue:
        """Row value or the table default; KeyError naming the table if neither exists."""
        value = self.get(key)
        if value is None:
            raise KeyError(f"{self.name}: no row for {key!r} and no default")
        return value


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}"


def _plain_str(path: Path, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG:
        raise TableError(f"{_where(path, node)}: {what} must be a string")
    return node.value


def _quoted(path: Path, node: yaml.Node, what: str) -> str:
    """A scalar that must be quoted: YAML 1.1 would otherwise reinterpret it."""
    if not isinstance(node, yaml.ScalarNode):
        raise TableError(f"{_where(path, node)}: {what} must be a quoted string")
    if node.style not in ("'", '"'):
        raise TableError(f"{_where(path, node)}: {what} {node.value!r} must be quoted "
                         f"(YAML 1.1 may read it as a number or boolean)")
    return node.value


def _pairs(path: Path, node: yaml.Node, what: str) -> list[tuple[yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise TableError(f"{_where(path, node)}: {what} must be a mapping")
    seen: dict[str, int] = {}
    for k, _ in node.value:
        key = k.value if isinstance(k, yaml.ScalarNode) else repr(k)
        if key in seen:
            raise TableError(f"{_where(path, k)}: duplicate key {key!r} in {what} "
                             f"(first at line {seen[key]})")
        seen[key] = k.start_mark.line + 1
    return list(node.value)


def _value(path: Path, node: yaml.Node, what: str) -> TableValue:
    if isinstance(node, yaml.ScalarNode):
        return _quoted(path, node, what)
    out: dict[str, str] = {}
    for k, v in _pairs(path, node, what):
        name = _plain_str(path, k, f"field name in {what}")
        if not _FIELD_RE.match(name):
            raise TableError(f"{_where(path, k)}: bad field name {name!r} in {what}")
        out[name] = _quoted(path, v, f"{what} field {name!r}")
    if not out:
        raise TableError(f"{_where(path, node)}: {what} must not be empty")
    return out


def load_table(path: Path | str) -> Table:
    """Parse and check one table file (cross-table refs are checked by load_tables)."""
    path = Path(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise TableError(f"{path}: {exc}") from exc
    if root is None:
        raise TableError(f"{path}:1: empty table file")
    header: dict[str, yaml.Node] = {}
    for k, v in _pairs(path, root, "table"):
        key = _plain_str(path, k, "header key")
        if key not in _HEADER:
            raise TableError(f"{_where(path, k)}: unknown header field {key!r}; allowed {sorted(_HEADER)}")
        header[key] = v
    if "name" not in header or "rows" not in header:
        raise TableError(f"{path}:1: table needs 'name' and 'rows'")
    name = _plain_str(path, header["name"], "name")
    if name != path.stem:
        raise TableError(f"{_where(path, header['name'])}: name {name!r} differs from file name {path.stem!r}")
    match = _plain_str(path, header["match"], "match") if "match" in header else "exact"
    if match not in ("exact", "upper", "lower"):
        raise TableError(f"{_where(path, header['match'])}: match must be exact, upper or lower")
    rows: dict[str, TableValue] = {}
    lines: dict[str, int] = {}
    for k, v in _pairs(path, header["rows"], "rows"):
        key = _quoted(path, k, "row key")
        if (match == "upper" and key != key.upper()) or (match == "lower" and key != key.lower()):
            raise TableError(f"{_where(path, k)}: key {key!r} must be {match}-case (match: {match})")
        rows[key] = _value(path, v, f"row {key!r}")
        lines[key] = k.start_mark.line + 1
    default = _value(path, header["default"], "default") if "default" in header else None
    desc = _plain_str(path, header["description"], "description") if "description" in header else ""
    refs = {}
    if "refs" in header:
        refs = {_plain_str(path, f, "refs field"): (_plain_str(path, tn, "refs table"), tn.start_mark.line + 1)
                for f, tn in _pairs(path, header["refs"], "refs")}
    return Table(name=name, rows=rows, default=default, match=match, description=desc,
                 path=path, lines=lines, refs=refs)


def load_tables(directory: Path | str = DEFAULT_TABLE_DIR) -> dict[str, Table]:
    """Load every ``*.yaml`` table in ``directory`` and check cross-table references."""
    directory = Path(directory)
    tables = {t.name: t for t in (load_table(p) for p in sorted(directory.glob("*.yaml")))}
    for table in tables.values():
        for fld, (target, line) in table.refs.items():
            if target not in tables:
                raise TableError(f"{table.path}:{line}: refs {fld!r} -> unknown table {target!r}")
            allowed = tables[target]
            checks = list(table.rows.items()) + ([("default", table.default)] if table.default else [])
            for key, value in checks:
                code = value.get(fld) if isinstance(value, Mapping) else None
                if code is not None and code not in allowed:
                    where = table.lines.get(key, line)
                    raise TableError(f"{table.path}:{where}: row {key!r} field {fld!r} = {code!r} "
                                     f"is not a key of table {target!r}")
    return tables
