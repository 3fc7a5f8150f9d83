"""Differential test: the jsonschema-rs fast check, fastjsonschema and jsonschema agree.

Every node of every example event is mutated (wrong types, empty and odd
strings, deletions, unknown members); all three validators must give the
same yes/no. This is what makes the fast path trustworthy.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from canonical.examples import EXAMPLES
from canonical.schema_store import SchemaStore
from canonical.validate import StrictDraft202012Validator, _compile, _compile_fastjsonschema

REPLACEMENTS: list[Any] = [
    None, True, 0, 1.5, -1, 1000, "", "x", "X" * 300, [], {}, [1], {"zz": 1},
    "2026-01-20", "2026-01-20T10:00:00Z", "2026-13-01T10:00:00Z", "KGM", "US", "-12.50", "1,5",
    "US\n", 2.0, "\u0661\u0662", "2026-01-20T10:00:00Z\n",
]


def _paths(node: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


def _set(event: dict, path: tuple, value: Any) -> None:
    target = event
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = value


def _mutants(event: dict) -> Iterator[dict]:
    for n, path in enumerate(_paths(event)):
        if not path:
            continue
        # A rotating subset keeps the test fast while still hitting every node.
        for value in REPLACEMENTS[n % 4::4]:
            ev = copy.deepcopy(event)
            _set(ev, path, value)
            yield ev
        ev = copy.deepcopy(event)
        parent = ev
        for p in path[:-1]:
            parent = parent[p]
        parent.pop(path[-1])
        yield ev
        ev = copy.deepcopy(event)
        node = ev
        for p in path:
            node = node[p]
        if isinstance(node, dict):
            node["unexpectedMember"] = "x"
            yield ev


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_engines_agree_on_mutants(store: SchemaStore, name: str) -> None:
    schema = store.event_schema(name)
    rust = _compile(schema, "rust")
    fjs = _compile_fastjsonschema(schema)
    full = StrictDraft202012Validator(schema)
    count = 0
    for ev in _mutants(EXAMPLES[name]()):
        expected = full.is_valid(ev)
        assert rust(ev) == expected, (name, ev)
        assert fjs(ev) == expected, (name, ev)
        count += 1
    assert count > 50
