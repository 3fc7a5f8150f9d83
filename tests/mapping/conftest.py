from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from canonical.validate import CanonicalValidator
from gateway.documents import Document
from gateway.mapping import CompiledMapping, MappingContext, MappingEnvironment, compile_mapping, read_mapping_file
from gateway.mapping.environment import default_environment

CONTEXT = MappingContext(partner="acme", channel="webhook", message_id="01JTESTMESSAGE000000000000",
                         received_at="2026-01-01T00:00:00Z")


@pytest.fixture(scope="session")
def env() -> MappingEnvironment:
    return default_environment()


@pytest.fixture(scope="session")
def validator() -> CanonicalValidator:
    return CanonicalValidator()


@pytest.fixture
def compile_yaml(env: MappingEnvironment, tmp_path: Path) -> Callable[[str], CompiledMapping]:
    """Compile mapping YAML written inline in a test (dedented), from a real file so positions are real."""
    def make(text: str, name: str = "under-test.yaml") -> CompiledMapping:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return compile_mapping(read_mapping_file(path), env)
    return make


def run(mapping: CompiledMapping, tree: Any, fmt: str = "json", kind: str = "json") -> list[dict[str, Any]]:
    return mapping.apply(Document(tree=tree, format=fmt, kind=kind), CONTEXT)


def status_mapping(data: str, extra: str = "", each: str = "") -> str:
    """A minimal valid shipment.status mapping with ``data`` lines spliced in (8-space indent)."""
    return f"""\
mapping: t
version: 1
format: json
{extra}
events:
  - type: shipment.status
{each}
    data:
      subject: {{type: shipment, value: {{from: doc.id, default: X1}}}}
      identifiers: [{{type: trackingNumber, value: {{from: doc.id, default: X1}}}}]
      classifier: ACTUAL
      status: {{code: {{from: doc.code, default: UNKNOWN}}}}
      occurredAt: {{datetime: {{from: doc.at, format: iso}}}}
{data}
"""
