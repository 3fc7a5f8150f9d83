"""Scaffold a mapping from a sample document: match rule, required fields, and the sample's paths."""

from __future__ import annotations

import json
from typing import Any

from canonical.events import get_event_type
from gateway.documents import Document
from gateway.mapping.loader import MappingEnvironment
from gateway.mapping.schema_check import SchemaView

MAX_PATHS = 300


def sample_paths(tree: Any, prefix: str = "doc") -> list[tuple[str, Any]]:
    """Leaf paths of a document tree (first element of each list), with their sample values."""
    out: list[tuple[str, Any]] = []

    def walk(node: Any, path: str) -> None:
        if len(out) >= MAX_PATHS:
            return
        if isinstance(node, dict):
            for key, value in node.items():
                name = key if key.isidentifier() else json.dumps(key)
                walk(value, f"{path}.{name}")
        elif isinstance(node, list):
            if node:
                walk(node[0], f"{path}[0]")
        else:
            out.append((path, node))

    walk(tree, prefix)
    return out


def _match_rule(document: Document) -> list[str]:
    if document.format == "json" and isinstance(document.tree, dict):
        for key in ("object", "type", "_type", "eventType", "description"):
            value = document.tree.get(key)
            if isinstance(value, str):
                return [f"  when: \"doc.{key} == '{value}'\""]
        keys = [k for k in document.tree if k.isidentifier()][:2]
        return [f"  when: \"{' && '.join('doc.' + k for k in keys) or 'doc'}\""]
    return [f"  kind: {document.kind}"]


def _required_fields(view: SchemaView, indent: str, depth: int = 0) -> list[str]:
    lines = []
    required: list[str] = []
    for node in view.nodes:
        required += [r for r in node.get("required", []) if r not in required]
    for name in required:
        if name in ("provenance", "receivedAt"):
            continue
        sub = view.property(name)
        if sub is not None and "object" in sub.types() and sub.property_names() and depth < 2:
            lines.append(f"{indent}{name}:")
            lines += _required_fields(sub, indent + "  ", depth + 1) or [f"{indent}  {{}}"]
        else:
            lines.append(f"{indent}{name}: {{from: FILL}}")
    return lines


def scaffold_mapping(name: str, document: Document, event_type: str, env: MappingEnvironment,
                     sample_name: str) -> str:
    """YAML text of a new mapping the author completes (it will not compile until FILL is replaced)."""
    et = get_event_type(event_type)
    view = SchemaView(env.schemas.data_schema(et.name))
    lines = [f"# Scaffolded from {sample_name} by `gateway mappings new`.",
             "# Replace every FILL with a path from the list at the end (or a constant), add the optional",
             f"# fields you need (see canonical/schemas/{et.schema_file}), then write {name}.tests.yaml",
             "# beside this file and run `gateway mappings test`.",
             f"mapping: {name}", "version: 1", f"format: {document.format}", "match:", *_match_rule(document),
             "events:", "  - name: main", f"    type: {et.name}", "    data:",
             *_required_fields(view, "      "),
             "", f"# Paths in {sample_name} (first element of each list), with sample values:"]
    for path, value in sample_paths(document.tree):
        lines.append(f"#   {path} = {json.dumps(value, ensure_ascii=False)[:60]}")
    return "\n".join(lines) + "\n"
