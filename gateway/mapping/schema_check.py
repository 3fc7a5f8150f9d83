"""Check a mapping's data template against the canonical JSON Schema at load time.

A mapping may only write fields the canonical schema defines; a constant must fit the schema's
type and enum. Walking the (bundled, locally-referenced) schema is enough for this: full
validation of every emitted event still happens per message.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_JSON_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list, "null": type(None)}


class SchemaView:
    """A node of a bundled schema, with ``$ref`` (``#/$defs/...``) and ``anyOf``/``oneOf`` resolved."""

    def __init__(self, root: Schema, node: Schema | None = None) -> None:
        self.root = root
        self.nodes = self._flatten(node if node is not None else root)

    def _resolve(self, node: Schema) -> Schema:
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise ValueError(f"schema reference {ref!r} is not local; bundle the schema first")
            target: Any = self.root
            for part in ref[2:].split("/"):
                target = target[part]
            node = target
            seen += 1
        return node

    def _flatten(self, node: Schema) -> list[Schema]:
        node = self._resolve(node)
        out = [node]
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                out += self._flatten(sub)
        return out

    def property(self, name: str) -> SchemaView | None:
        """The schema of property ``name``, or None when no branch allows it."""
        for node in self.nodes:
            props = node.get("properties", {})
            if name in props:
                return SchemaView(self.root, props[name])
        for node in self.nodes:
            extra = node.get("additionalProperties")
            if isinstance(extra, dict):
                return SchemaView(self.root, extra)
        return SchemaView(self.root, {}) if self.is_open() else None

    def items(self) -> SchemaView | None:
        for node in self.nodes:
            if "items" in node and isinstance(node["items"], dict):
                return SchemaView(self.root, node["items"])
        return None

    def property_names(self) -> list[str]:
        names: set[str] = set()
        for node in self.nodes:
            names |= set(node.get("properties", {}))
        return sorted(names)

    def types(self) -> set[str]:
        out: set[str] = set()
        for node in self.nodes:
            kind = node.get("type")
            if isinstance(kind, str):
                out.add(kind)
            elif isinstance(kind, list):
                out |= set(kind)
            elif "properties" in node:
                out.add("object")
        return out

    def is_open(self) -> bool:
        """True where the schema puts no constraint at all (free extension objects)."""
        return any(not node or (node.get("type") == "object" and "properties" not in node
                                and node.get("additionalProperties", True) is not False)
                   for node in self.nodes)

    def check_constant(self, value: Any) -> str | None:
        """A reason why ``value`` cannot fit here, or None if it may."""
        enums = [node["enum"] for node in self.nodes if "enum" in node]
        if enums and not any(value in e for e in enums):
            allowed = sorted({str(v) for e in enums for v in e})
            return f"{value!r} is not one of {', '.join(allowed[:40])}"
        consts = [node["const"] for node in self.nodes if "const" in node]
        if consts and value not in consts:
            return f"{value!r} must be {consts[0]!r}"
        kinds = self.types()
        if not kinds:
            return None
        for kind in kinds:
            if kind in ("number",) and isinstance(value, (int, float)) and not isinstance(value, bool):
                return None
            if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
                return None
            expected = _JSON_TYPES.get(kind)
            if expected is not None and isinstance(value, expected) and not (expected is not bool and isinstance(value, bool)):
                return None
        return f"{value!r} is a {type(value).__name__}; the schema wants {' or '.join(sorted(kinds))}"
