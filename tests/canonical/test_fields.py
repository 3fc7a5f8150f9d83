"""schema_fields / field_paths: the mapping compiler's view of allowed targets."""

from __future__ import annotations

import pytest

from canonical.events import EVENT_TYPES
from canonical.fields import field_paths, schema_fields


def test_shipment_status_tree(store) -> None:
    root = schema_fields("shipment.status", store)
    assert root.children["status"].required
    assert root.find("status.code").enum is not None
    assert root.find("identifiers[].value").types == {"string"}
    assert root.find("measurements[].value").types == {"number", "string"}
    assert root.find("location.geo.lat").types == {"number"}
    assert root.find("status.nope") is None
    assert root.find("nope") is None
    assert root.find("extensions.anything.deep").open


@pytest.mark.parametrize("name", list(EVENT_TYPES))
def test_every_type_has_base_paths(store, name: str) -> None:
    paths = field_paths(name, store)
    for p in ("eventClass", "subject.type", "identifiers[].type", "provenance.partnerId", "extensions.*"):
        assert p in paths, (name, p)


def test_data_schema_matches_fields(store) -> None:
    data = store.data_schema("load.tender")
    assert set(schema_fields("load.tender", store).children) == set(data["properties"])
