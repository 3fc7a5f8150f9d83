"""Load the canonical schemas from disk and bundle them per event type.

The published files reference each other (``common.json#/$defs/...``).
fastjsonschema resolves remote refs by fetching URLs, which we never want at
runtime, so each event type is bundled here into one self-contained schema:
common definitions and the type's own ``$defs`` merged into a single ``$defs``
and every sibling-file ref rewritten to a local ``#/$defs/...`` ref.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canonical.events import EVENT_TYPES, SCHEMA_BASE_ID, EventType, get_event_type

DEFAULT_SCHEMA_DIR = Path(__file__).parent / "schemas"
COMMON_PREFIX = "common.json#/$defs/"
DATA_DEF = "EventData"
"""Name under ``$defs`` of the data schema inside a bundled event schema."""

Schema = dict[str, Any]


class SchemaLoadError(ValueError):
    """A schema file is missing, unreadable, or its refs do not resolve."""


def _rewrite_refs(node: Any) -> Any:
    """Deep copy of ``node`` with ``common.json#/$defs/X`` refs made local."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(COMMON_PREFIX):
                out[key] = "#/$defs/" + value[len(COMMON_PREFIX):]
            else:
                out[key] = _rewrite_refs(value)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in node]
    return node


def _check_refs(node: Any, defs: dict[str, Any], where: str) -> None:
    """Fail at load, not at first validation, when a ref points nowhere."""
    if isinstance(node, dict):
        target = node.get("$ref")
        if isinstance(target, str) and (not target.startswith("#/$defs/") or target[len("#/$defs/"):] not in defs):
            raise SchemaLoadError(f"{where}: unresolvable $ref {target!r}")
        for value in node.values():
            _check_refs(value, defs, where)
    elif isinstance(node, list):
        for value in node:
            _check_refs(value, defs, where)


def _read(path: Path) -> Schema:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaLoadError(f"{path}: {exc}") from exc


@dataclass(frozen=True)
class SchemaStore:
    """Schemas as published plus bundled, self-contained forms per event type."""

    common: Schema
    envelope: Schema
    data_files: dict[str, Schema]
    """Short name -> the data schema file as published (sibling refs intact)."""
    _bundled_events: dict[str, Schema] = field(repr=False)
    _bundled_data: dict[str, Schema] = field(repr=False)

    def event_schema(self, event_type: str | EventType) -> Schema:
        """Self-contained schema of a whole CloudEvent of this type (envelope + data)."""
        return self._bundled_events[_name(event_type)]

    def data_schema(self, event_type: str | EventType) -> Schema:
        """Self-contained schema of the ``data`` member of this type."""
        return self._bundled_data[_name(event_type)]

    def event_types(self) -> list[str]:
        """Short names of every bundled event type."""
        return list(self._bundled_events)


def _name(event_type: str | EventType) -> str:
    return event_type.name if isinstance(event_type, EventType) else get_event_type(event_type).name


def bundle(common: Schema, envelope: Schema, et: EventType, data_file: Schema) -> tuple[Schema, Schema]:
    """(whole-event schema, data schema) for ``et``, each self-contained."""
    defs: dict[str, Any] = copy.deepcopy(common.get("$defs", {}))
    local_defs = _rewrite_refs(data_file.get("$defs", {}))
    clash = set(defs) & set(local_defs)
    if clash:
        raise SchemaLoadError(f"{et.schema_file}: $defs {sorted(clash)} clash with common.json")
    defs.update(local_defs)
    body = {k: v for k, v in _rewrite_refs(data_file).items()
            if k not in ("$defs", "$schema", "$id")}
    data_bundle: Schema = {"$schema": data_file.get("$schema"), "$id": et.schema_id,
                           **body, "$defs": defs}
    event = copy.deepcopy({k: v for k, v in envelope.items() if k not in ("$id",)})
    props = event["properties"]
    # Pin the envelope to this type, so one compiled validator checks both layers.
    props["type"] = {"type": "string", "const": et.ce_type}
    props["data"] = {"$ref": f"#/$defs/{DATA_DEF}"}
    event["$id"] = f"{SCHEMA_BASE_ID}bundled/{et.name}.event.json"
    event["title"] = f"{data_file.get('title', et.name)}: whole CloudEvent (bundled)"
    event["$defs"] = {**defs, DATA_DEF: body}
    _check_refs(data_bundle, defs, et.schema_file)
    _check_refs(event, event["$defs"], et.schema_file)
    return event, data_bundle


def load_schemas(directory: Path | str = DEFAULT_SCHEMA_DIR) -> SchemaStore:
    """Read ``common.json``, ``envelope.json`` and every registered type's schema."""
    directory = Path(directory)
    common = _read(directory / "common.json")
    envelope = _read(directory / "envelope.json")
    data_files: dict[str, Schema] = {}
    events: dict[str, Schema] = {}
    datas: dict[str, Schema] = {}
    for name, et in EVENT_TYPES.items():
        data_files[name] = _read(directory / et.schema_file)
        events[name], datas[name] = bundle(common, envelope, et, data_files[name])
    return SchemaStore(common, envelope, data_files, events, datas)
