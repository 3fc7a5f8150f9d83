"""A mapping that could fail per message in a way the author can prevent is refused at load,
with the message the author sees (file:line:column, what, why)."""

from __future__ import annotations

import pytest

from gateway.mapping import MappingLimitExceeded, MappingLoadError
from tests.mapping.conftest import run, status_mapping


def refusal(compile_yaml, text: str) -> str:
    with pytest.raises(MappingLoadError) as err:
        compile_yaml(text)
    return str(err.value)


def test_a_field_outside_the_canonical_schema_is_refused_with_its_position(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      colour: {from: doc.c}"))
    assert "under-test.yaml:14:15: data.colour: not a field of the canonical schema here" in message
    assert "allowed:" in message and "remarks" in message


def test_a_nested_field_outside_the_schema_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      location: {planet: {from: doc.p}}"))
    assert "data.location.planet: not a field of the canonical schema here" in message


def test_an_unknown_code_table_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      remarks: {from: doc.c, lookup: no-such-table}"))
    assert "unknown code table 'no-such-table'" in message and "x12-at7-status" in message


def test_an_unknown_function_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      remarks: {from: doc.c, apply: [shout]}"))
    assert "unknown function 'shout'" in message and "upper" in message


def test_an_expression_naming_an_unknown_variable_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      remarks: {from: detail.text}"))
    assert "uses unknown variable(s) detail" in message and "known here: doc, meta" in message


def test_an_expression_that_does_not_parse_is_refused_with_the_column(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      remarks: {from: 'doc.a[?'}"))
    assert "cannot parse 'doc.a[?'" in message


def test_a_constant_outside_the_schema_enum_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("").replace("classifier: ACTUAL", "classifier: MAYBE"))
    assert "data.classifier: 'MAYBE' is not one of ACTUAL, ESTIMATED, PLANNED, REQUESTED" in message


def test_an_unknown_event_type_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("").replace("type: shipment.status", "type: shipment.teleported"))
    assert "unknown event type 'shipment.teleported'" in message


def test_a_mapping_without_version_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("").replace("version: 1\n", ""))
    assert "'version:' is required" in message


def test_a_value_with_two_sources_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      remarks: {from: doc.a, const: b}"))
    assert "a value has one source, found from, const" in message


def test_provenance_is_the_gateways_to_fill(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      provenance: {partnerId: {const: me}, sourceFormat: x}"))
    assert "data.provenance is filled in by the gateway" in message


def test_an_unknown_unit_constant_is_refused(compile_yaml):
    message = refusal(compile_yaml, status_mapping(
        "      measurements: [{measure: {kind: grossWeight, value: {from: doc.w}, unit: STONE}}]"))
    assert "unknown unit 'STONE'" in message


def test_every_problem_is_reported_not_just_the_first(compile_yaml):
    message = refusal(compile_yaml, status_mapping("      colour: {from: doc.c}\n      remarks: {from: ghost.x}"))
    assert "data.colour" in message and "unknown variable(s) ghost" in message


def test_an_over_long_expression_is_refused(compile_yaml):
    long_path = "doc." + ".".join(["a"] * 1200)
    message = refusal(compile_yaml, status_mapping(f"      remarks: {{from: '{long_path}'}}"))
    assert "the limit is 2000" in message


def test_too_many_events_for_one_message_stops_the_mapping(compile_yaml):
    m = compile_yaml(status_mapping("", extra="limits: {max_events: 3}", each="    each: doc.items"))
    with pytest.raises(MappingLimitExceeded, match="emitted over 3 events"):
        run(m, {"items": [{}] * 10})


def test_a_mapping_that_runs_too_long_is_stopped(compile_yaml):
    m = compile_yaml(status_mapping("", extra="limits: {max_ms: 0.001}", each="    each: doc.items"))
    with pytest.raises(MappingLimitExceeded, match="took over"):
        run(m, {"items": [{}] * 2000})
