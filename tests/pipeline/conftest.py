"""Pipeline fixtures: the real mapping registry over ``mappings/``, the real canonical validator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pipeline_support import CHANNELS, TO_ERP, MakeProcessor, make_registry

from adapters.registry import default_decoders
from canonical.validate import CanonicalValidator
from gateway.config.model import Route
from gateway.mapping import MappingRegistry
from gateway.pipeline.processor import MessageProcessor, PipelineParts
from gateway.route import Router
from gateway.store.sqlite import SqliteStore


@pytest.fixture(scope="session")
def validator() -> CanonicalValidator:
    return CanonicalValidator()


@pytest.fixture(scope="session")
def registry() -> MappingRegistry:
    return make_registry()


@pytest.fixture
def make_processor(registry: MappingRegistry, validator: CanonicalValidator) -> MakeProcessor:
    def make(routes: tuple[Route, ...] = (TO_ERP,), mappings: MappingRegistry | None = None, **kwargs: object) -> MessageProcessor:
        parts = PipelineParts(default_decoders(), mappings or registry, validator, Router(routes), CHANNELS)
        return MessageProcessor(parts, **kwargs)  # type: ignore[arg-type]
    return make


@pytest.fixture
def processor(make_processor: MakeProcessor) -> MessageProcessor:
    return make_processor()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "gateway.db", group_commit_ms=0.5)
    yield s
    s.close()
