"""Shared set-up for commands that translate without a server."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.registry import EXTENSION_TYPES, default_decoders
from canonical.validate import CanonicalValidator
from gateway.config import Config, ConfigError, load_config
from gateway.credentials import append_key, issue_key, rotate
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


def add_key(kind: str, owner: str, file: Path | None) -> int:
    """Issue a key for ``owner`` (a partner or a planner), store its hash in ``file`` and print the
    key once, on stdout; 1 when ``file`` is None (the reason is already printed)."""
    if file is None:
        return 1
    key, record = issue_key(owner)
    file.parent.mkdir(parents=True, exist_ok=True)
    append_key(file, record)
    print(f"{kind} {owner}: new key {record.id} stored (hashed) in {file}", file=sys.stderr)
    print("This key is shown once; hand it over now:", file=sys.stderr)
    print(key)
    return 0


def rotate_key(kind: str, owner: str, file: Path | None, overlap_hours: float) -> int:
    """Let the keys in ``file`` run out after the overlap, then issue and print a new one."""
    if file is None:
        return 1
    changed = rotate(file, overlap_hours * 3600)
    until = datetime.now(UTC) + timedelta(hours=overlap_hours)
    print(f"{changed} existing key(s) now expire at {until.isoformat(timespec='seconds')}", file=sys.stderr)
    return add_key(kind, owner, file)


def register_key_commands(cmds: argparse._SubParsersAction, owner: str, run_add: Callable[[argparse.Namespace], int],
                          run_rotate: Callable[[argparse.Namespace], int]) -> None:
    """``add OWNER`` and ``rotate OWNER [--overlap-hours H]``, each with ``--config``."""
    add = cmds.add_parser("add", help=f"issue an API key for a {owner} (shown once, stored hashed)")
    add.add_argument(owner)
    add.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    add.set_defaults(handler=run_add)
    rot = cmds.add_parser("rotate", help="issue a new key; existing keys stay valid for the overlap only")
    rot.add_argument(owner)
    rot.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    rot.add_argument("--overlap-hours", type=float, default=24.0)
    rot.set_defaults(handler=run_rotate)
