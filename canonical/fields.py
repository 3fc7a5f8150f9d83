"""Allowed property paths per event type, for the mapping compiler.

A mapping that writes a field the schema does not define must fail when the
mapping is loaded, not when the first message arrives. ``schema_fields``
walks the bundled data schema once and returns a tree the compiler can check
target paths against; ``field_paths`` flattens it to dotted paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from canonical.schema_store import Schema, SchemaStore, load_schemas


@dataclass(frozen=True)
class FieldNode:
    """One position in the data tree."""

    types: frozenset[str]
    """JSON types allowed here: object, array, string, number, integer, boolean."""
    required: bool = False
    """Whether the parent object requires this property."""
    children: dict[str, FieldNode] = field(default_factory=dict)
    """Properties, when this is an object."""
    items: FieldNode | None = None
    """Element node, when this is an array."""
    open: bool = False
    """True for free objects (``extensions``): any sub-path is accepted."""
    enum: tuple[Any, ...] | None = None
    """Allowed values, when the schema enumerates them."""

    def find(self, path: str) -> FieldNode | None:
        """Node at a dotted path (``[]`` steps into array items), or None if not allowed.

        ``identifiers[].value`` and ``stop.location.geo.lat`` are valid paths; under an
        open node every deeper path is allowed and returns the open node itself.
        """
        node: FieldNode | None = self
        for part in path.split("."):
            if node is None:
                return None
            if node.open:
                return node
            name, arrays = part, 0
            while name.endswith("[]"):
                name, arrays = name[:-2], arrays + 1
            node = node.children.get(name) if name else node
            for _ in range(arrays):
                node = node.items if node is not None else None
        return node


def _resolve(schema: Schema, defs: dict[str, Schema]) -> Schema:
    seen = 0
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
        seen += 1
        if seen > 50:
            raise ValueError("$ref cycle")
    return schema


def _types(schema: Schema) -> set[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return set(t)
    if "const" in schema:
        return {type(schema["const"]).__name__.replace("str", "string")}
    return set()


def _node(schema: Schema, defs: dict[str, Schema], required: bool, depth: int = 0) -> FieldNode:
    if depth > 40:
        raise ValueError("schema nesting too deep (recursive $ref?)")
    schema = _resolve(schema, defs)
    branches = [schema] + [_resolve(b, defs) for b in schema.get("anyOf", []) + schema.get("oneOf", [])]
    types: set[str] = set()
    children: dict[str, FieldNode] = {}
    items: FieldNode | None = None
    is_open = False
    req = set(schema.get("required", []))
    for b in branches:
        types |= _types(b)
        for name, sub in b.get("properties", {}).items():
            children[name] = _node(sub, defs, name in req, depth + 1)
        if "items" in b and isinstance(b["items"], dict):
            items = _node(b["items"], defs, False, depth + 1)
        if b.get("type") == "object" and "properties" not in b and b.get("additionalProperties", True) is not False:
            is_open = True
    enum = tuple(schema["enum"]) if "enum" in schema else None
    return FieldNode(frozenset(types), required, children, items, is_open, enum)


def schema_fields(event_type: str, store: SchemaStore | None = None) -> FieldNode:
    """Tree of the properties allowed in ``data`` of ``event_type``, with their JSON types."""
    store = store or load_schemas()
    data = store.data_schema(event_type)
    return _node(data, data.get("$defs", {}), True)


def field_paths(event_type: str, store: SchemaStore | None = None) -> dict[str, frozenset[str]]:
    """Flat view: dotted path (``[]`` for array items) -> allowed JSON types.

    Open objects appear with a trailing ``.*``; e.g. ``extensions.*``.
    """
    out: dict[str, frozenset[str]] = {}

    def walk(prefix: str, node: FieldNode) -> None:
        if node.open:
            out[prefix + ".*" if prefix else "*"] = frozenset({"any"})
        for name, child in node.children.items():
            path = f"{prefix}.{name}" if prefix else name
            out[path] = child.types
            walk(path, child)
        if node.items is not None:
            out[prefix + "[]"] = node.items.types
            walk(prefix + "[]", node.items)

    walk("", schema_fields(event_type, store))
    return out
