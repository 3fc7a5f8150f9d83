"""Shared set-up for commands that translate without a server."""

from __future__ import annotations

import sys
from pathlib import Path

from adapters.registry import EXTENSION_TYPES, default_decoders
from canonical.validate import CanonicalValidator
from gateway.config import Config, ConfigError, load_config
from gateway.documents import DecoderRegistry
from gateway.mapping import MappingRegistry
from gateway.mapping.environment import default_environment
from gateway.mapping.fixtures import FixtureRunner

DEFAULT_MAPPINGS = Path("mappings")


def load_config_or_report(path: Path) -> Config | None:
    """The configuration, or None after printing every problem with its position."""
    try:
        return load_config(path)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None


def media_for(path: Path) -> str | None:
    """A media type from a file name, or None to sniff the content."""
    return EXTENSION_TYPES.get(path.suffix.lower())


def load_registry(directories: list[Path]) -> MappingRegistry:
    registry = MappingRegistry(directories, default_environment())
    registry.load()
    return registry


def runner_for(directories: list[Path], decoders: DecoderRegistry | None = None) -> FixtureRunner:
    """Mappings from ``directories`` with the shipped decoders (or a partner's, see ``partner_decoders``)."""
    return FixtureRunner(load_registry(directories), decoders or default_decoders(), CanonicalValidator(), media_for)
