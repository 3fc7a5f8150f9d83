"""Validator behaviour: examples pass with both validators, errors carry precise pointers."""

from __future__ import annotations

import copy

import fastjsonschema
import pytest

from canonical.examples import EXAMPLES, note_example_adapted
from canonical.schema_store import SchemaStore
from canonical.validate import CanonicalValidationError, CanonicalValidator, StrictDraft202012Validator


def _both(store: SchemaStore, name: str, event: dict) -> tuple[bool, bool]:
    schema = {k: v for k, v in store.event_schema(name).items() if k != "$id"}
    try:
        fastjsonschema.compile(schema, use_default=False, use_formats=False)(copy.deepcopy(event))
        fast = True
    except fastjsonschema.JsonSchemaException:
        fast = False
    full = StrictDraft202012Validator(store.event_schema(name)).is_valid(event)
    return fast, full


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_valid_with_both_validators(store: SchemaStore, validator: CanonicalValidator, name: str) -> None:
    event = EXAMPLES[name]()
    assert _both(store, name, event) == (True, True)
    validator.validate_event(event)
    assert validator.is_valid(event)


def test_note_example_validates(validator: CanonicalValidator) -> None:
    validator.validate_event(note_example_adapted())


def test_validation_does_not_mutate(validator: CanonicalValidator) -> None:
    event = EXAMPLES["shipment.status"]()
    before = copy.deepcopy(event)
    validator.validate_event(event)
    assert event == before


def _errors(validator: CanonicalValidator, event: dict) -> dict[str, str]:
    with pytest.raises(CanonicalValidationError) as info:
        validator.validate_event(event)
    return {e.path: e.what for e in info.value.errors}


def test_all_errors_with_pointers(validator: CanonicalValidator) -> None:
    event = EXAMPLES["shipment.status"]()
    d = event["data"]
    d["status"]["code"] = "ARRIVED"
    d["bogus"] = 1
    d["identifiers"][1]["type"] = "waybill"
    d["measurements"][0]["value"] = "1,5"
    del d["occurredAt"]["instant"], d["occurredAt"]["localDate"]
    del d["provenance"]["partnerId"]
    d["location"]["geo"]["lat"] = 91
    errs = _errors(validator, event)
    assert errs == {
        "/data/status/code": "enum",
        "/data/bogus": "additionalProperties",
        "/data/identifiers/1/type": "enum",
        "/data/measurements/0/value": "pattern",
        "/data/occurredAt": "anyOf",
        "/data/provenance/partnerId": "required",
        "/data/location/geo/lat": "maximum",
    }


@pytest.mark.parametrize("mutate, path, what", [
    (lambda e: e.pop("specversion"), "/specversion", "required"),
    (lambda e: e.update(time="2026-01-20 14:05"), "/time", "pattern"),
    (lambda e: e.update(time="2026-01-20T14:05:00"), "/time", "pattern"),  # no offset
    (lambda e: e.update(mapping="acme-214"), "/mapping", "pattern"),
    (lambda e: e.update(data_base64="AA=="), "/data_base64", "additionalProperties"),
    (lambda e: e["data"].update(eventClass="TELEMETRY"), "/data/eventClass", "enum"),
    (lambda e: e["data"].update(classifier="EST"), "/data/classifier", "enum"),
    (lambda e: e["data"]["occurredAt"].update(localDate="2026-02-30x"), "/data/occurredAt/localDate", "pattern"),
    (lambda e: e["data"]["stop"].update(sequence="2"), "/data/stop/sequence", "type"),
    (lambda e: e["data"]["measurements"][1].update(value=True), "/data/measurements/1/value", "type"),
    (lambda e: e["data"].update(location={}), "/data/location", "minProperties"),
    (lambda e: e["data"]["parties"][0]["ids"][0].update(scheme="scac"), "/data/parties/0/ids/0/scheme", "enum"),
    (lambda e: e["data"]["measurements"][0].update(value="\u0661\u0662"), "/data/measurements/0/value", "pattern"),
    (lambda e: e["data"]["occurredAt"].update(instant="2026-01-20T14:05:00-05:00\n"), "/data/occurredAt/instant", "pattern"),
    (lambda e: e["data"]["extensions"].update(anything={"goes": [1]}), None, None),
])
def test_single_fault(validator: CanonicalValidator, store: SchemaStore, mutate, path, what) -> None:
    event = EXAMPLES["shipment.status"]()
    mutate(event)
    fast, full = _both(store, "shipment.status", event)
    assert fast == full, "fastjsonschema and jsonschema disagree"
    if path is None:
        validator.validate_event(event)
    else:
        assert _errors(validator, event) == {path: what}


def test_unknown_type(validator: CanonicalValidator) -> None:
    event = EXAMPLES["shipment.status"]()
    event["type"] = "org.logistics-gateway.nope.v1"
    errs = _errors(validator, event)
    assert errs == {"/type": "type-unknown"}


def test_not_an_object(validator: CanonicalValidator) -> None:
    with pytest.raises(CanonicalValidationError):
        validator.validate_event([])  # type: ignore[arg-type]
    assert not validator.is_valid([])  # type: ignore[arg-type]


def test_unhashable_type_member(validator: CanonicalValidator) -> None:
    event = EXAMPLES["shipment.status"]()
    event["type"] = ["x"]
    assert _errors(validator, event) == {"/type": "type"}
    assert not validator.is_valid(event)


def test_validate_data_pointers_relative_to_data(validator: CanonicalValidator) -> None:
    data = EXAMPLES["telemetry.reading"]()["data"]
    data["measurements"][0]["unit"] = "celsius"
    with pytest.raises(CanonicalValidationError) as info:
        validator.validate_data("telemetry.reading", data)
    assert [(e.path, e.what) for e in info.value.errors] == [("/measurements/0/unit", "pattern")]


def test_error_message_is_readable(validator: CanonicalValidator) -> None:
    event = EXAMPLES["order"]()
    del event["data"]["orderNumber"]
    with pytest.raises(CanonicalValidationError, match=r"/data/orderNumber: missing required property"):
        validator.validate_event(event)
