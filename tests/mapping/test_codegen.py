"""Templates compiled to one Python function: values shared only where surely computed, any depth."""

from __future__ import annotations

import pytest

from gateway.mapping import MappingError
from tests.mapping.conftest import run, status_mapping


def test_a_value_first_needed_in_a_branch_not_taken_is_computed_where_needed_later(compile_yaml):
    m = compile_yaml(status_mapping("""\
      remarks: {first: [doc.a, doc.b.c], when: "doc.b.c == 'x' || doc.b.d"}
      extensions:
        again: {from: doc.b.c}
        condition: {from: "doc.b.c == 'x' || doc.b.d"}"""))
    taken = run(m, {"a": "A", "b": {"c": "x"}})[0]["data"]
    assert taken["remarks"] == "A" and taken["extensions"] == {"again": "x", "condition": True}
    other = run(m, {"b": {"c": "y", "d": "D"}})[0]["data"]
    assert other["remarks"] == "y" and other["extensions"] == {"again": "y", "condition": "D"}


def test_a_loop_element_value_is_not_taken_for_the_next_element(compile_yaml):
    m = compile_yaml(status_mapping("""\
      parties:
        - $each: doc.ps
          $as: p
          role: {from: p.r}
          name: {from: p.n.t, when: "p.n.t"}"""))
    parties = run(m, {"ps": [{"r": "SHIPPER", "n": {"t": "S"}}, {"r": "CONSIGNEE"}]})[0]["data"]["parties"]
    assert parties == [{"role": "SHIPPER", "name": "S"}, {"role": "CONSIGNEE"}]


def test_templates_nested_deeper_than_python_allows_blocks_still_compile(compile_yaml):
    depth = 30
    template = f"{{from: v{depth}.x}}"
    for level in range(depth, 0, -1):
        source = "doc.l" if level == 1 else f"v{level - 1}.l"
        template = f"[{{$each: {source}, $as: v{level}, x: {template}}}]"
    m = compile_yaml(status_mapping(f"      extensions: {{deep: {template}}}"))
    tree: dict = {"x": "bottom"}
    for _ in range(depth):
        tree = {"l": [tree], "x": "level"}
    value = run(m, tree)[0]["data"]["extensions"]["deep"]
    for _ in range(depth - 1):
        value = value[0]["x"]
    assert value == [{"x": "bottom"}]


def test_a_failing_step_names_its_own_field_inside_an_inlined_object(compile_yaml):
    m = compile_yaml(status_mapping("""\
      location:
        name: {from: doc.n}
        address: {city: {from: doc.c, apply: [trim]}}"""))
    with pytest.raises(MappingError, match=r"field data\.location\.address\.city: expected text"):
        run(m, {"n": "x", "c": {"not": "text"}})


def test_a_failing_condition_names_the_plain_field_before_it(compile_yaml):
    m = compile_yaml(status_mapping("""\
      remarks: {from: doc.r}
      location:
        name: {from: doc.n, when: "length(doc.n) == `2`"}"""))
    with pytest.raises(MappingError, match=r"field data\.remarks: length"):
        run(m, {"r": "x", "n": 5})
