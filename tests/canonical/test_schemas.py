"""The published schemas: valid 2020-12, generated from schemagen, aligned with the registry and types."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from canonical import schemagen, types
from canonical.events import EVENT_TYPES
from canonical.schema_store import DEFAULT_SCHEMA_DIR, SchemaStore, load_schemas
from canonical.tables import load_tables

SCHEMA_FILES = sorted(DEFAULT_SCHEMA_DIR.glob("*.json"))
BUNDLED_FILES = sorted(DEFAULT_SCHEMA_DIR.glob("bundled/*.json"))
ALLOWED_KEYWORDS = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "type", "properties",
    "required", "additionalProperties", "enum", "const", "pattern", "format", "minLength",
    "maxLength", "minimum", "maximum", "items", "minItems", "maxItems", "anyOf", "oneOf",
    "minProperties",
}


@pytest.mark.parametrize("path", SCHEMA_FILES + BUNDLED_FILES, ids=lambda p: p.name)
def test_schema_is_valid_2020_12(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_committed_files_match_generator() -> None:
    expected = schemagen.all_schemas()
    on_disk_names = [p.name for p in SCHEMA_FILES] + [f"bundled/{p.name}" for p in BUNDLED_FILES]
    assert sorted(expected) == sorted(on_disk_names)
    for name, schema in expected.items():
        on_disk = (DEFAULT_SCHEMA_DIR / name).read_text()
        assert on_disk == schemagen.render(schema), f"{name} is stale: run python -m canonical.schemagen"


def _walk(node: object, where: str = ""):
    if isinstance(node, dict):
        yield where, node
        for k, v in node.items():
            if k in ("properties", "$defs"):
                for name, sub in v.items():
                    yield from _walk(sub, f"{where}/{k}/{name}")
            elif k in ("items",) or k in ("anyOf", "oneOf"):
                subs = v if isinstance(v, list) else [v]
                for i, sub in enumerate(subs):
                    yield from _walk(sub, f"{where}/{k}/{i}")


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_only_keywords_both_validators_share(path: Path) -> None:
    for where, node in _walk(json.loads(path.read_text())):
        extra = set(node) - ALLOWED_KEYWORDS
        assert not extra, f"{path.name}{where}: keywords {extra}"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_object_is_closed(path: Path) -> None:
    """additionalProperties: false everywhere except the deliberate free objects."""
    for where, node in _walk(json.loads(path.read_text())):
        if node.get("type") == "object" and where not in ("/$defs/Extensions", "/properties/data"):
            assert node.get("additionalProperties") is False, f"{path.name}{where} is open"


def test_registry_matches_schema_files(store: SchemaStore) -> None:
    for name, et in EVENT_TYPES.items():
        data = store.data_files[name]
        assert data["$id"] == et.schema_id
        assert data["properties"]["eventClass"]["enum"] == list(et.event_classes)
        assert et.event_class in et.event_classes
        assert et.ce_type == f"org.logistics-gateway.{name}.v1"
        for req in ("eventClass", "subject", "identifiers", "provenance"):
            assert req in data["required"]
        for member in ("sourceEventId", "retracted", "extensions"):
            assert member in data["properties"]


def test_status_enum_equals_taxonomy(store: SchemaStore) -> None:
    taxonomy = load_tables()["status-taxonomy"]
    assert store.common["$defs"]["StatusCode"]["enum"] == list(taxonomy)


def _typed_keys(td: type) -> tuple[set[str], set[str]]:
    hints = typing.get_type_hints(td)
    return set(hints), set(td.__required_keys__)  # type: ignore[attr-defined]


def _schema_keys(schema: dict) -> tuple[set[str], set[str]]:
    return set(schema.get("properties", {})), set(schema.get("required", []))


@pytest.mark.parametrize("name", list(EVENT_TYPES))
def test_data_typeddict_mirrors_schema(store: SchemaStore, name: str) -> None:
    assert _typed_keys(types.DATA_TYPES[name]) == _schema_keys(store.data_files[name])


def test_def_typeddicts_mirror_schema(store: SchemaStore) -> None:
    defs = dict(store.common["$defs"])
    for name in EVENT_TYPES:
        defs.update(store.data_files[name].get("$defs", {}))
    for def_name, td in types.DEF_TYPES.items():
        assert _typed_keys(td) == _schema_keys(defs[def_name]), def_name


def test_envelope_typeddict_mirrors_schema(store: SchemaStore) -> None:
    assert _typed_keys(types.CloudEvent) == _schema_keys(store.envelope)


def test_load_from_other_directory(tmp_path: Path) -> None:
    schemagen.write(tmp_path)
    assert sorted(load_schemas(tmp_path).event_types()) == sorted(EVENT_TYPES)


def test_published_files_resolve_across_files() -> None:
    """ERP tooling loads the files by $id: the sibling refs must resolve that way."""
    from referencing import Registry, Resource

    from canonical.examples import EXAMPLES

    resources = [Resource.from_contents(json.loads(p.read_text())) for p in SCHEMA_FILES]
    registry = Registry().with_resources((r.id(), r) for r in resources)
    for name, et in EVENT_TYPES.items():
        schema = json.loads((DEFAULT_SCHEMA_DIR / et.schema_file).read_text())
        validator = Draft202012Validator(schema, registry=registry)
        data = EXAMPLES[name]()["data"]
        assert validator.is_valid(data), name
        data["bogus"] = 1
        assert not validator.is_valid(data)


def test_bundled_file_validates_whole_event() -> None:
    from canonical.examples import EXAMPLES

    for name in EVENT_TYPES:
        schema = json.loads((DEFAULT_SCHEMA_DIR / "bundled" / f"{name}.event.json").read_text())
        assert Draft202012Validator(schema).is_valid(EXAMPLES[name]()), name
