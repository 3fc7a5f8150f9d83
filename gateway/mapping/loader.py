"""Read mapping files, resolve ``extends``/``overrides``, and compile them.

A mapping file::

    mapping: easypost-tracker          # name
    version: 3
    format: json                       # json | xml | x12
    match: {kind: ..., when: "doc.object == 'Event'", partner: [...]}
    limits: {max_input_bytes: ..., max_events: ..., max_ms: ...}
    tables: {local-table: {codes: {A: X}, default: Y}}
    let: {tracker: "doc.result || doc"}
    events:
      - name: status
        type: shipment.status
        each: tracker.tracking_details
        as: detail
        when: "detail.status"
        data: {...template...}

A partner mapping may say ``extends: <base name>`` and list ``overrides`` that replace or remove
fields of the base's events by dotted path, so it states only what differs.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from canonical.events import EVENT_TYPES
from canonical.schema_store import SchemaStore
from gateway.mapping.compiled import CompiledEvent, CompiledMapping, Limits, MatchRule
from gateway.mapping.compiler import Compiler, Scope
from gateway.mapping.errors import MappingLoadError
from gateway.mapping.schema_check import SchemaView
from gateway.mapping.tables import Table
from gateway.yamlsrc import Position, SourceMap, YamlSourceError, load_yaml_text, position_of

TOP_KEYS = {"mapping", "version", "description", "format", "match", "limits", "tables", "let", "events",
            "extends", "overrides"}
EVENT_KEYS = {"name", "type", "each", "as", "when", "let", "data"}
FORMATS = ("json", "xml", "x12")
RESERVED_DATA = ("provenance", "receivedAt")
ROOT_VARIABLES = frozenset({"doc", "meta"})


@dataclass(frozen=True)
class MappingEnvironment:
    """What every mapping compiles against: the canonical schemas and the shared code tables."""

    schemas: SchemaStore
    tables: Mapping[str, Table]


@dataclass(frozen=True)
class MappingSource:
    """A parsed (not yet compiled) mapping file."""

    name: str
    path: Path
    doc: dict[str, Any]
    text_digest: str


def read_mapping_file(path: Path) -> MappingSource:
    """Parse a mapping file's YAML; raises ``MappingLoadError`` with the position of bad YAML."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingLoadError([(Position(str(path), 1, 1), f"cannot read: {exc.strerror}")]) from None
    return parse_mapping_text(raw.decode("utf-8", errors="replace"), path)


def parse_mapping_text(text: str, path: Path) -> MappingSource:
    """Parse mapping YAML given as text (a file's content, or inline YAML sent for preview)."""
    raw = text.encode()
    try:
        doc = load_yaml_text(text, str(path))
    except YamlSourceError as exc:
        raise MappingLoadError([(exc.position, exc.message)]) from None
    if not isinstance(doc, dict):
        raise MappingLoadError([(Position(str(path), 1, 1), "a mapping file is a YAML mapping with 'mapping:' and 'events:'")])
    name = doc.get("mapping")
    if not isinstance(name, str) or not name:
        raise MappingLoadError([(position_of(doc), "'mapping:' must name the mapping")])
    return MappingSource(name, path, doc, hashlib.sha256(raw).hexdigest()[:16])


def _set_path(tree: Any, dotted: str, value: Any, remove: bool) -> bool:
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if not isinstance(node, dict):
        return False
    if remove:
        return node.pop(parts[-1], None) is not None
    node[parts[-1]] = value
    if isinstance(node, SourceMap) and hasattr(value, "position"):
        node.key_positions[parts[-1]] = value.position
    return True


def merge_extends(base: dict[str, Any], child: dict[str, Any],
                  problems: list[tuple[Position | None, str]]) -> dict[str, Any]:
    """The base document with the child's settings and overrides applied (positions kept)."""
    merged = copy.deepcopy(base)
    for key in ("mapping", "version", "description", "format", "limits"):
        if key in child:
            merged[key] = child[key]
            if isinstance(merged, SourceMap):
                merged.key_positions[key] = position_of(child, key)
    for key in ("match", "tables", "let"):
        if key in child:
            combined = copy.deepcopy(merged.get(key)) or SourceMap()
            if not isinstance(combined, SourceMap):
                combined = SourceMap(combined)
            if not hasattr(combined, "key_positions"):
                combined.position, combined.key_positions = position_of(child, key), {}
            for sub, value in child[key].items():
                combined[sub] = value
                combined.key_positions[sub] = position_of(child[key], sub)
            merged[key] = combined
    if "events" in child:
        merged["events"] = child["events"]
    merged.pop("extends", None)
    for i, override in enumerate(child.get("overrides") or []):
        pos = position_of(child["overrides"], i)
        if not isinstance(override, dict) or "event" not in override or not set(override) <= {"event", "set", "remove"}:
            problems.append((pos, "an override is {event: NAME, set: {dotted.path: spec}, remove: [dotted.path]}"))
            continue
        targets = [e for e in merged.get("events") or [] if e.get("name", e.get("type")) == override["event"]]
        if not targets:
            names = [e.get("name", e.get("type")) for e in merged.get("events") or []]
            problems.append((position_of(override, "event"),
                             f"override names event {override['event']!r}; the base has {', '.join(map(str, names))}"))
            continue
        for event in targets:
            for dotted, spec in (override.get("set") or {}).items():
                if not _set_path(event.setdefault("data", SourceMap()), dotted, spec, remove=False):
                    problems.append((position_of(override["set"], dotted), f"cannot set {dotted!r}: its parent is not an object in the base"))
            for j, dotted in enumerate(override.get("remove") or []):
                if not _set_path(event.get("data") or {}, dotted, None, remove=True):
                    problems.append((position_of(override["remove"], j), f"cannot remove {dotted!r}: the base has no such field"))
    return merged


def _tables(doc: dict[str, Any], shared: Mapping[str, Table], problems: list[tuple[Position | None, str]]) -> dict[str, Table]:
    tables = dict(shared)
    for name, spec in (doc.get("tables") or {}).items():
        pos = position_of(doc["tables"], name)
        if not isinstance(spec, dict) or "codes" not in spec or not set(spec) <= {"codes", "default"} \
                or not isinstance(spec["codes"], dict):
            problems.append((pos, f"table {name!r}: write {{codes: {{CODE: value}}, default: value}}"))
            continue
        tables[name] = Table(name, {str(k): v for k, v in spec["codes"].items()}, spec.get("default"))
    return tables


def _limits(doc: dict[str, Any], problems: list[tuple[Position | None, str]]) -> Limits:
    spec = doc.get("limits") or {}
    values: dict[str, Any] = {}
    for key, kind in (("max_input_bytes", int), ("max_events", int), ("max_ms", (int, float))):
        if key in spec:
            value = spec[key]
            if not isinstance(value, kind) or isinstance(value, bool) or value <= 0:
                problems.append((position_of(spec, key), f"limits.{key} must be a positive number"))
            else:
                values[key] = value
    unknown = set(spec) - {"max_input_bytes", "max_events", "max_ms"}
    for key in unknown:
        problems.append((position_of(spec, key), f"unknown limit {key!r}; known: max_input_bytes, max_events, max_ms"))
    return Limits(**values)


def compile_mapping(source: MappingSource, env: MappingEnvironment,
                    resolve: Callable[[str], MappingSource | None] | None = None) -> CompiledMapping:
    """Compile a parsed mapping; ``resolve`` finds the base of ``extends`` by name."""
    problems: list[tuple[Position | None, str]] = []
    doc = source.doc
    base_name = doc.get("extends")
    if base_name is not None:
        base = resolve(base_name) if resolve else None
        if base is None:
            raise MappingLoadError([(position_of(doc, "extends"), f"extends unknown mapping {base_name!r}")])
        if base.doc.get("extends"):
            raise MappingLoadError([(position_of(doc, "extends"),
                                     f"{base_name!r} itself extends another mapping; one level of extends is allowed")])
        doc = merge_extends(base.doc, doc, problems)
    for key in doc:
        if key not in TOP_KEYS:
            problems.append((position_of(doc, key), f"unknown key {key!r}; allowed: {', '.join(sorted(TOP_KEYS))}"))
    name, version = doc.get("mapping"), doc.get("version")
    if version is None or isinstance(version, bool) or not str(version).replace(".", "").replace("-", "").isalnum():
        problems.append((position_of(doc, "version") or position_of(doc), "'version:' is required (e.g. 1 or 2.1)"))
    fmt = doc.get("format")
    if fmt not in FORMATS:
        problems.append((position_of(doc, "format") or position_of(doc), f"format must be one of {', '.join(FORMATS)}"))
    ref = f"{name}@{version}"
    tables = _tables(doc, env.tables, problems)
    limits = _limits(doc, problems)
    compiler = Compiler(ref, tables)
    match = _match(compiler, doc, fmt)
    lets = _lets(compiler, doc.get("let"), Scope(ROOT_VARIABLES, "let"))
    variables = ROOT_VARIABLES | {n for n, _ in lets}
    compiler.document_level = frozenset(variables)
    events = []
    raw_events = doc.get("events")
    if not isinstance(raw_events, list) or not raw_events:
        problems.append((position_of(doc, "events") or position_of(doc), "'events:' must list at least one event"))
        raw_events = []
    for i, spec in enumerate(raw_events):
        compiled = _event(compiler, env, spec, position_of(raw_events, i), variables)
        if compiled is not None:
            events.append(compiled)
    names = [e.name for e in events]
    for dup in {n for n in names if names.count(n) > 1}:
        problems.append((position_of(doc, "events"), f"two events are named {dup!r}; give each a distinct name"))
    problems += compiler.problems
    if problems:
        raise MappingLoadError(problems)
    return CompiledMapping(name=str(name), version=str(version), source_format=str(name), match=match,
                           limits=limits, lets=tuple(lets), events=tuple(events), path=str(source.path),
                           description=str(doc.get("description", "")), digest=source.text_digest,
                           extends=base_name)


def _match(compiler: Compiler, doc: dict[str, Any], fmt: Any) -> MatchRule:
    spec = doc.get("match") or {}
    if not isinstance(spec, dict):
        compiler.problem(position_of(doc, "match"), "match is a mapping of kind, when, partner")
        return MatchRule(format=str(fmt))
    for key in spec:
        if key not in ("kind", "when", "partner"):
            compiler.problem(position_of(spec, key), f"unknown match key {key!r}; allowed: kind, when, partner")
    when = None
    if "when" in spec:
        when = compiler.condition(spec["when"], Scope(ROOT_VARIABLES, "match.when"), position_of(spec, "when"))
    partners = spec.get("partner") or ()
    partners = tuple(partners) if isinstance(partners, list) else (partners,) if partners else ()
    return MatchRule(format=str(fmt), kind=spec.get("kind"), partners=partners, when=when,
                     when_text=spec.get("when"))


def _lets(compiler: Compiler, spec: Any, scope: Scope) -> list[tuple[str, Any]]:
    if spec is None:
        return []
    if not isinstance(spec, dict):
        compiler.problem(None, "let is a mapping of name: expression")
        return []
    out = []
    variables = set(scope.variables)
    for name, text in spec.items():
        pos = position_of(spec, name)
        if not name.isidentifier() or name in ("doc", "meta", "index"):
            compiler.problem(pos, f"let name {name!r} must be an identifier other than doc, meta, index")
            continue
        value_scope = Scope(frozenset(variables), f"let.{name}")
        fn = compiler.node(text, value_scope, None, pos) if isinstance(text, dict) \
            else compiler.expression(text, value_scope, pos)
        out.append((name, fn))
        variables.add(name)
    return out


def _event(compiler: Compiler, env: MappingEnvironment, spec: Any, pos: Position | None,
           variables: frozenset[str]) -> CompiledEvent | None:
    if not isinstance(spec, dict):
        compiler.problem(pos, "an event is a mapping with type and data")
        return None
    for key in spec:
        if key not in EVENT_KEYS:
            compiler.problem(position_of(spec, key), f"unknown event key {key!r}; allowed: {', '.join(sorted(EVENT_KEYS))}")
    type_name = spec.get("type")
    event_type = EVENT_TYPES.get(type_name) if isinstance(type_name, str) else None
    if event_type is None:
        compiler.problem(position_of(spec, "type") or pos,
                         f"unknown event type {type_name!r}; known: {', '.join(sorted(EVENT_TYPES))}")
        return None
    scope = Scope(variables, "")
    loops: list[tuple[Any, str]] = []
    if "each" in spec:
        each = spec["each"]
        if isinstance(each, list):  # nested iteration: [{in: expr, as: name}, ...], outermost first
            if "as" in spec:
                compiler.problem(position_of(spec, "as"), "with a list of loops, give each loop its own as")
            for i, loop in enumerate(each):
                loop_pos = position_of(each, i)
                if not isinstance(loop, dict) or set(loop) != {"in", "as"} or not str(loop["as"]).isidentifier():
                    compiler.problem(loop_pos, "a nested loop is {in: EXPRESSION, as: NAME}")
                    continue
                loops.append((compiler.expression(loop["in"], scope, position_of(loop, "in")), loop["as"]))
                scope = scope.bind(loop["as"])
        else:
            as_name = spec.get("as", "item")
            if not isinstance(as_name, str) or not as_name.isidentifier():
                compiler.problem(position_of(spec, "as"), f"as must be a name, got {as_name!r}")
                as_name = "item"
            loops.append((compiler.expression(each, scope, position_of(spec, "each")), as_name))
            scope = scope.bind(as_name)
        scope = scope.bind("index")
    elif "as" in spec:
        compiler.problem(position_of(spec, "as"), "as goes with each")
    when = compiler.condition(spec["when"], scope, position_of(spec, "when")) if "when" in spec else None
    lets = _lets(compiler, spec.get("let"), Scope(scope.variables, "let"))
    scope = Scope(scope.variables | {n for n, _ in lets}, "data")
    data = spec.get("data")
    if not isinstance(data, dict):
        compiler.problem(position_of(spec, "data") or pos, "an event needs data: a template of the canonical fields")
        return None
    for key in RESERVED_DATA:
        if key in data:
            compiler.problem(position_of(data, key), f"data.{key} is filled in by the gateway, not by mappings")
    schema = SchemaView(env.schemas.data_schema(event_type.name))
    builder = compiler.object(data, scope, schema, position_of(spec, "data"))
    return CompiledEvent(name=str(spec.get("name", type_name)), type_name=event_type.name, ce_type=event_type.ce_type,
                         schema_id=event_type.schema_id, event_class=event_type.event_class,
                         loops=tuple(loops), when=when, lets=tuple(lets), data=builder, position=pos)
