"""The mapping language, one behaviour per test, as an author would rely on it."""

from __future__ import annotations

import pytest

from gateway.mapping import MappingError
from gateway.mapping.compiler import MAX_REMEMBERED_MISSES
from tests.mapping.conftest import run, status_mapping


def data_of(events):
    return [e["data"] for e in events]


def test_from_reads_a_path_of_the_document(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: doc.note.text}"))
    assert run(m, {"note": {"text": "left at dock 4"}})[0]["data"]["remarks"] == "left at dock 4"


def test_a_missing_path_leaves_the_field_out(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: doc.note.text}"))
    assert "remarks" not in run(m, {})[0]["data"]


def test_const_gives_a_constant(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {const: fixed text}"))
    assert run(m, {})[0]["data"]["remarks"] == "fixed text"


def test_format_builds_text_and_is_null_when_a_part_is_missing(compile_yaml):
    m = compile_yaml(status_mapping('      remarks: {format: "PRO {doc.pro} for {doc.scac}"}'))
    assert run(m, {"pro": "123", "scac": "ABCD"})[0]["data"]["remarks"] == "PRO 123 for ABCD"
    assert "remarks" not in run(m, {"pro": "123"})[0]["data"]


def test_first_takes_the_first_non_empty_value(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {first: [doc.a, doc.b, doc.c]}"))
    assert run(m, {"a": "", "b": None, "c": "third"})[0]["data"]["remarks"] == "third"


def test_switch_chooses_the_first_branch_whose_condition_holds(compile_yaml):
    m = compile_yaml(status_mapping("""\
      remarks:
        switch:
          - {when: "doc.kind == 'a'", then: {const: was a}}
          - {when: "doc.kind == 'b'", then: {const: was b}}
          - {else: {const: neither}}"""))
    assert [run(m, {"kind": k})[0]["data"]["remarks"] for k in ("b", "a", "z")] == ["was b", "was a", "neither"]


def test_hash_gives_a_stable_id_from_values(compile_yaml):
    m = compile_yaml(status_mapping("      sourceEventId: {hash: [doc.id, doc.at]}"))
    first = run(m, {"id": "A", "at": "2024-01-01T00:00:00Z"})[0]["data"]["sourceEventId"]
    again = run(m, {"id": "A", "at": "2024-01-01T00:00:00Z"})[0]["data"]["sourceEventId"]
    other = run(m, {"id": "B", "at": "2024-01-01T00:00:00Z"})[0]["data"]["sourceEventId"]
    assert first == again != other and len(first) == 32


def test_apply_runs_functions_left_to_right(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: doc.t, apply: [trim, upper, {prefix: 'PRO-'}]}"))
    assert run(m, {"t": "  ab12 "})[0]["data"]["remarks"] == "PRO-AB12"


def test_implied_decimals_resolve_x12_amounts(compile_yaml):
    m = compile_yaml(status_mapping("""\
      measurements:
        - measure: {kind: grossWeight, value: {from: doc.w, apply: [{implied_decimals: 2}]}, unit: KGM}"""))
    assert run(m, {"w": "123456"})[0]["data"]["measurements"][0]["value"] == 1234.56


def test_split_and_pad_left(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: doc.r, apply: [{split: {sep: '-', index: 1}}, {pad_left: {width: 5}}]}"))
    assert run(m, {"r": "A-42-Z"})[0]["data"]["remarks"] == "00042"


def test_lookup_picks_a_field_of_a_shared_code_table(compile_yaml):
    m = compile_yaml(status_mapping("", each="").replace(
        "status: {code: {from: doc.code, default: UNKNOWN}}",
        "status: {code: {from: doc.at7, lookup: {table: x12-at7-status, field: code}}}"))
    assert run(m, {"at7": "D1"})[0]["data"]["status"]["code"] == "DELIVERED"


def test_lookup_miss_can_keep_the_code_or_refuse_the_message(compile_yaml):
    keep = compile_yaml(status_mapping("      remarks: {from: doc.c, lookup: {table: local, miss: keep}}",
                                       extra="tables: {local: {codes: {A: alpha}}}"))
    assert run(keep, {"c": "A"})[0]["data"]["remarks"] == "alpha"
    assert run(keep, {"c": "Q"})[0]["data"]["remarks"] == "Q"
    strict = compile_yaml(status_mapping("      remarks: {from: doc.c, lookup: {table: local, miss: error}}",
                                         extra="tables: {local: {codes: {A: alpha}}}"), "strict.yaml")
    with pytest.raises(MappingError, match="code 'Q' is not in table 'local'"):
        run(strict, {"c": "Q"})


def test_a_lookup_miss_answers_the_same_when_it_recurs(compile_yaml):
    # Misses of text codes are remembered (up to a limit); a remembered miss must not differ.
    keep = compile_yaml(status_mapping("      remarks: {from: doc.c, lookup: {table: local, miss: keep}}",
                                       extra="tables: {local: {codes: {A: alpha}}}"))
    codes = [f"Q{n}" for n in range(MAX_REMEMBERED_MISSES + 10)]
    assert [run(keep, {"c": c})[0]["data"]["remarks"] for c in codes * 2] == codes * 2
    strict = compile_yaml(status_mapping("      remarks: {from: doc.c, lookup: {table: local, miss: error}}",
                                         extra="tables: {local: {codes: {A: alpha}}}"), "strict.yaml")
    for _ in range(2):
        with pytest.raises(MappingError, match="code 'Q' is not in table 'local'"):
            run(strict, {"c": "Q"})


def test_default_fills_a_missing_value(compile_yaml):
    m = compile_yaml(status_mapping(""))
    assert run(m, {})[0]["data"]["status"]["code"] == "UNKNOWN"


def test_required_names_the_field_and_the_mapping_line(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: doc.must, required: true}"))
    with pytest.raises(MappingError) as err:
        run(m, {})
    message = str(err.value)
    assert "t@1" in message and "field data.remarks" in message and "required value is missing" in message
    assert "under-test.yaml:14:16" in message


def test_when_on_a_value_and_on_an_object(compile_yaml):
    m = compile_yaml(status_mapping("""\
      remarks: {from: doc.r, when: "doc.show"}
      location:
        $when: doc.city
        name: {from: doc.city}"""))
    hidden = run(m, {"r": "x"})[0]["data"]
    shown = run(m, {"r": "x", "show": True, "city": "Oslo"})[0]["data"]
    assert "remarks" not in hidden and "location" not in hidden
    assert shown["remarks"] == "x" and shown["location"] == {"name": "Oslo"}


def test_each_in_a_list_expands_one_item_per_element(compile_yaml):
    m = compile_yaml(status_mapping("""\
      parties:
        - role: CARRIER
          name: {const: Carrier Co}
        - $each: doc.refs
          $as: ref
          role: {from: ref.role}
          name: {from: ref.name}"""))
    parties = run(m, {"refs": [{"role": "SHIPPER", "name": "S"}, {"role": "CONSIGNEE", "name": "C"}]})[0]["data"]["parties"]
    assert [p["role"] for p in parties] == ["CARRIER", "SHIPPER", "CONSIGNEE"]


def test_event_level_each_emits_one_event_per_element(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: scan.msg}", each="    each: doc.scans\n    as: scan"))
    events = run(m, {"scans": [{"msg": "a"}, {"msg": "b"}, {"msg": "c"}]})
    assert [e["data"]["remarks"] for e in events] == ["a", "b", "c"]


def test_nested_loops_see_the_outer_element(compile_yaml):
    m = compile_yaml(status_mapping('      remarks: {format: "{stop.n}/{scan.m}"}',
                                    each="    each:\n      - {in: doc.stops, as: stop}\n      - {in: stop.scans, as: scan}"))
    events = run(m, {"stops": [{"n": "1", "scans": [{"m": "a"}, {"m": "b"}]}, {"n": "2", "scans": [{"m": "c"}]}]})
    assert [e["data"]["remarks"] for e in events] == ["1/a", "1/b", "2/c"]


def test_let_values_are_computed_once_per_document(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: body.text}", extra='let: {body: "doc.result || doc"}'))
    assert run(m, {"result": {"text": "wrapped"}})[0]["data"]["remarks"] == "wrapped"
    assert run(m, {"text": "bare"})[0]["data"]["remarks"] == "bare"


def test_several_events_from_one_message(compile_yaml, validator):
    text = status_mapping("") + """\
  - name: second
    type: shipment.status
    data:
      subject: {type: shipment, value: SECOND}
      identifiers: [{type: pro, value: P1}]
      classifier: ESTIMATED
      status: {code: DELIVERED}
      occurredAt: {datetime: {from: doc.eta, format: date}}
"""
    events = run(compile_yaml(text), {"id": "A", "at": "2024-05-01T10:00:00Z", "eta": "2024-05-03"})
    assert [e["subject"] for e in events] == ["shipment:A", "shipment:SECOND"]
    for event in events:
        validator.validate_event(event)


def test_numbers_become_text_where_the_schema_wants_text(compile_yaml):
    m = compile_yaml(status_mapping("      remarks: {from: doc.code}"))
    assert run(m, {"code": 21})[0]["data"]["remarks"] == "21"


def test_event_ids_are_derived_so_a_retry_yields_the_same_ids(compile_yaml):
    m = compile_yaml(status_mapping(""))
    assert run(m, {"id": "A"})[0]["id"] == run(m, {"id": "A"})[0]["id"]


def test_the_gateway_fills_provenance_and_envelope(compile_yaml):
    event = run(compile_yaml(status_mapping("")), {"id": "Z9", "at": "2024-05-01T10:00:00+02:00"})[0]
    assert event["mapping"] == "t@1" and event["subject"] == "shipment:Z9"
    assert event["time"] == "2024-05-01T08:00:00Z"
    assert event["data"]["provenance"] == {"partnerId": "acme", "channel": "webhook", "mapping": "t@1",
                                           "rawMessageId": "01JTESTMESSAGE000000000000", "sourceFormat": "t"}
    assert event["data"]["receivedAt"] == "2026-01-01T00:00:00Z"


def test_extends_replaces_and_removes_fields_of_the_base(env, tmp_path):
    from gateway.mapping import MappingRegistry
    (tmp_path / "base.yaml").write_text(status_mapping("      remarks: {from: doc.r}"), encoding="utf-8")
    (tmp_path / "acme.yaml").write_text("""\
mapping: t-acme
version: 2
extends: t
match: {partner: [acme]}
overrides:
  - event: shipment.status
    set:
      remarks: {format: "ACME {doc.r}"}
      status.reason: {const: NORMAL}
    remove: [occurredAt]
""", encoding="utf-8")
    registry = MappingRegistry([tmp_path], env)
    registry.load()
    assert not registry.refused
    event = run(registry.get("t-acme"), {"r": "x", "at": "2024-01-01"})[0]
    assert event["data"]["remarks"] == "ACME x" and event["data"]["status"]["reason"] == "NORMAL"
    assert "occurredAt" not in event["data"] and event["mapping"] == "t-acme@2"


def test_each_skips_null_elements(compile_yaml):
    m = compile_yaml(status_mapping("""\
      parties:
        - $each: "to_array(doc.party)"
          $as: p
          role: CARRIER
          name: {from: p.name}"""))
    assert "parties" not in run(m, {})[0]["data"]
    assert run(m, {"party": {"name": "X"}})[0]["data"]["parties"] == [{"role": "CARRIER", "name": "X"}]


@pytest.mark.parametrize("expression, tree, expected", [
    ("ends_with(doc.a, 'Z')", {"a": "12:00Z"}, True),
    ("starts_with(doc.a, '12')", {"a": "12:00Z"}, True),
    ("to_array(doc.a)", {"a": {"x": 1}}, [{"x": 1}]),
    ("to_array(doc.a)", {"a": [1, 2]}, [1, 2]),
])
def test_native_functions_agree_with_jmespath(expression, tree, expected):
    import jmespath

    from gateway.mapping.expressions import compile_expression
    assert compile_expression(expression, {"doc"})({"doc": tree}) == expected == jmespath.search(expression, {"doc": tree})


def test_a_native_function_given_the_wrong_type_fails_like_jmespath():
    import jmespath

    from gateway.mapping.expressions import compile_expression
    with pytest.raises(ValueError):
        compile_expression("ends_with(doc.a, 'Z')", {"doc"})({"doc": {"a": 5}})
    with pytest.raises(ValueError):
        jmespath.search("ends_with(doc.a, 'Z')", {"doc": {"a": 5}})


def test_document_level_parts_are_built_once_per_message_and_never_shared_across_messages(compile_yaml):
    m = compile_yaml(status_mapping("""\
      parties:
        - role: SHIPPER
          name: {from: doc.shipper}""", each="    each: doc.scans\n    as: scan"))
    tree = {"shipper": "ACME", "scans": [{}, {}, {}]}
    first, second = run(m, tree), run(m, tree)
    assert first[0]["data"]["parties"] is first[2]["data"]["parties"]
    assert first[0]["data"]["parties"] is not second[0]["data"]["parties"]
    tree["shipper"] = "OTHER"
    assert run(m, tree)[0]["data"]["parties"] == [{"role": "SHIPPER", "name": "OTHER"}]


def test_parts_that_read_the_loop_variable_are_built_per_event(compile_yaml):
    m = compile_yaml(status_mapping("""\
      parties:
        - role: SHIPPER
          name: {from: scan.who}""", each="    each: doc.scans\n    as: scan"))
    events = run(m, {"scans": [{"who": "A"}, {"who": "B"}]})
    assert [e["data"]["parties"][0]["name"] for e in events] == ["A", "B"]


def test_event_loops_bind_index_and_apply_when_and_let_per_element(compile_yaml):
    m = compile_yaml(status_mapping(
        '      remarks: {format: "{stop.n}/{scan.m}/{index}/{tag}"}\n'
        "      extensions: {i: {from: index}, m: {from: scan.m}}",
        each="    each:\n      - {in: doc.stops, as: stop}\n      - {in: stop.scans, as: scan}\n"
             "    when: \"scan.m != 'skip'\"\n    let: {tag: \"scan.t || 'none'\"}"))
    events = run(m, {"stops": [{"n": "1", "scans": [{"m": "a"}, {"m": "skip"}, {"m": "b", "t": "x"}]},
                               {"n": "2", "scans": {"m": "c"}}]})  # one scan, not in a list
    assert [e["data"]["remarks"] for e in events] == ["1/a/0/none", "1/b/2/x", "2/c/0/none"]
    assert [e["data"]["extensions"] for e in events] == [{"i": 0, "m": "a"}, {"i": 2, "m": "b"}, {"i": 0, "m": "c"}]
