"""``gateway config check FILE``: validate a configuration file and report every problem."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.registry import partner_decoders
from gateway.config import ConfigError, load_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="configuration commands")
    cmds = p.add_subparsers(dest="config_command", required=True, metavar="SUBCOMMAND")
    check = cmds.add_parser("check", help="validate a configuration file")
    check.add_argument("file", type=Path)
    check.set_defaults(handler=check_config)


def check_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.file)
        partner_decoders(config.partners)  # applies each partner's X12 guide overrides, as serve does
    except ConfigError as exc:
        for position, message in exc.problems:
            print(f"{position or args.file}: {message}", file=sys.stderr)
        return 1
    print(f"{args.file}: ok ({len(config.partners)} partners, {len(config.channels)} channels, "
          f"{len(config.targets)} targets, {len(config.routes)} routes)")
    return 0
