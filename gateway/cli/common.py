"""Shared set-up for commands that translate without a server."""

from __future__ import annotations

from pathlib import Path

from adapters.registry import EXTENSION_TYPES, default_decoders
from canonical.validate import CanonicalValidator
from gateway.mapping import MappingRegistry
from gateway.mapping.environment import default_environment
from gateway.mapping.fixtures import FixtureRunner

DEFAULT_MAPPINGS = Path("mappings")


def media_for(path: Path) -> str | None:
    """A media type from a file name, or None to sniff the content."""
    return EXTENSION_TYPES.get(path.suffix.lower())


def load_registry(directories: list[Path]) -> MappingRegistry:
    registry = MappingRegistry(directories, default_environment())
    registry.load()
    return registry


def runner_for(directories: list[Path]) -> FixtureRunner:
    return FixtureRunner(load_registry(directories), default_decoders(), CanonicalValidator(), media_for)
