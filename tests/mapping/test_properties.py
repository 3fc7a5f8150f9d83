"""Property-based: whatever a partner sends, a mapping either emits valid events or raises a
MappingError naming the field; it never crashes with anything else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canonical.validate import CanonicalValidationError
from gateway.documents import Document
from gateway.mapping import MappingError, MappingRegistry, functions, timevalues
from gateway.mapping.environment import default_environment
from tests.mapping.conftest import CONTEXT

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=25)

_registry = MappingRegistry([MAPPINGS], default_environment())
_registry.load()


def tracker_like() -> st.SearchStrategy:
    detail = st.fixed_dictionaries({}, optional={
        "status": st.one_of(st.sampled_from(["in_transit", "delivered", "failure", "bogus"]), json_scalars),
        "datetime": st.one_of(st.just("2024-08-01T10:00:00Z"), json_scalars),
        "message": json_values, "status_detail": json_values, "carrier_code": json_values,
        "tracking_location": json_values})
    return st.fixed_dictionaries({"object": st.just("Tracker")}, optional={
        "id": json_values, "tracking_code": json_values, "carrier": json_values, "weight": json_values,
        "est_delivery_date": json_values, "tracking_details": st.lists(detail, max_size=3)})


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(tracker_like())
def test_easypost_mapping_never_crashes_on_mutated_trackers(tree):
    mapping = _registry.get("easypost-tracker")
    try:
        mapping.apply(Document(tree=tree, format="json", kind="json"), CONTEXT)
    except MappingError as exc:
        assert exc.field and exc.mapping == mapping.ref


@settings(max_examples=200)
@given(json_values)
def test_every_loaded_mapping_either_maps_or_refuses_any_json(tree):
    document = Document(tree=tree, format="json", kind="json")
    for mapping in _registry.mappings.values():
        if mapping.match.format != "json":
            continue
        try:
            mapping.apply(document, CONTEXT)
        except (MappingError, CanonicalValidationError):
            pass


@given(st.text(max_size=40), st.sampled_from(list(functions.FUNCTION_NAMES)))
def test_plain_functions_raise_only_value_errors(text, name):
    try:
        fn = functions.build_function(name)[1]
    except ValueError:
        return  # a function that needs an argument
    try:
        fn(text)
    except ValueError:
        pass


@given(st.text(max_size=40), st.one_of(st.none(), st.sampled_from(["UTC", "America/Chicago", "+05:30", "Mars/Base"])))
def test_date_parsing_raises_only_time_value_errors(text, zone):
    for parse in (lambda: timevalues.parse_iso(text, zone), lambda: timevalues.parse_x12(text[:8], text[8:14], zone),
                  lambda: timevalues.parse_pattern(text, "%Y%m%d", zone)):
        try:
            parse()
        except timevalues.TimeValueError:
            pass
