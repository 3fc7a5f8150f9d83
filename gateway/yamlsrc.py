"""YAML loading that remembers where every value came from.

Configuration and mapping errors must name the file, line and column. PyYAML's composer
knows positions but its constructed dicts forget them, so this loader builds ``Node``-aware
containers (``SourceMap`` / ``SourceList``) that keep a ``Position`` per key and per item.

Scalars follow YAML 1.2's core schema rather than PyYAML's YAML 1.1 defaults: ``021`` stays a
string (YAML 1.1 reads it as octal 17) and ``NO``/``yes``/``on`` stay strings (YAML 1.1 reads
the ISO country code for Norway as ``False``). Codes in logistics are full of both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Position", "SourceList", "SourceMap", "YamlSourceError", "load_yaml", "load_yaml_text", "position_of"]


@dataclass(frozen=True, slots=True)
class Position:
    """A place in a source file (1-based line and column)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


class SourceMap(dict):
    """A dict that remembers the position of itself and of each key's value."""

    # None where ``extends`` merged in a value from a document that was not loaded from YAML.
    position: Position | None
    key_positions: dict[str, Position | None]


class SourceList(list):
    """A list that remembers the position of itself and of each item."""

    position: Position
    item_positions: list[Position]


class YamlSourceError(ValueError):
    """The text is not valid YAML, or uses a construct the loader refuses."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(f"{position}: {message}")
        self.position = position
        self.message = message


# libyaml's composer, where PyYAML was built with it, reads mappings ten times faster than the
# pure-Python one and keeps the same node positions; start-up loads every mapping file.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULL = {"null", "Null", "NULL", "~", ""}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}


def _position(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node: yaml.ScalarNode) -> Any:
    value = node.value
    if node.style:  # quoted or block scalars are always strings (plain: None, or '' from libyaml)
        return value
    if node.tag not in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                        "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value) and any(ch.isdigit() for ch in value):
        return float(value)
    return value


def _build(file: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
    if isinstance(node, yaml.SequenceNode):
        items = SourceList(_build(file, item) for item in node.value)
        items.position = _position(file, node)
        items.item_positions = [_position(file, item) for item in node.value]
        return items
    if isinstance(node, yaml.MappingNode):
        mapping = SourceMap()
        mapping.position = _position(file, node)
        mapping.key_positions = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlSourceError(_position(file, key_node), "keys must be plain strings")
            if key_node.value == "<<":
                raise YamlSourceError(_position(file, key_node), "YAML merge keys ('<<') are not supported; "
                                      "use 'extends' in mappings instead")
            key = key_node.value
            if key in mapping:
                raise YamlSourceError(_position(file, key_node), f"duplicate key {key!r}")
            mapping[key] = _build(file, value_node)
            mapping.key_positions[key] = _position(file, value_node)
        return mapping
    raise YamlSourceError(_position(file, node), f"unsupported YAML node {type(node).__name__}")


def load_yaml_text(text: str, file: str = "<string>") -> Any:
    """Parse YAML text into ``SourceMap``/``SourceList``/scalars that carry positions."""
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file, 1, 1)
        raise YamlSourceError(pos, f"invalid YAML: {exc.problem or exc}") from None
    if node is None:
        return None
    return _build(file, node)


def load_yaml(path: str | Path) -> Any:
    """Read and parse a YAML file; positions name the file as given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise YamlSourceError(Position(str(path), 1, 1), f"cannot read file: {exc.strerror}") from None
    return load_yaml_text(text, str(path))


def position_of(container: Any, key: str | int | None = None) -> Position | None:
    """The position of ``container[key]`` (or of the container itself when key is None)."""
    if key is None:
        return getattr(container, "position", None)
    if isinstance(container, SourceMap):
        return container.key_positions.get(key, getattr(container, "position", None))  # type: ignore[arg-type]
    if isinstance(container, SourceList) and isinstance(key, int) and 0 <= key < len(container.item_positions):
        return container.item_positions[key]
    return getattr(container, "position", None)
