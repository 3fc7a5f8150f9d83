"""``gateway planners add|rotate NAME``: keys of their own for the people who answer load tenders.

A planner's key opens the tender endpoints (``GET /v1/admin/tenders``, ``POST
/v1/admin/tender-decisions``) and nothing else, and a decision is recorded as that planner's
(``planner:NAME``), whatever the request body says.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gateway.cli.common import add_key, load_config_or_report, register_key_commands, rotate_key


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("planners", help="issue and rotate the keys planners answer load tenders with")
    cmds = p.add_subparsers(dest="planners_command", required=True, metavar="SUBCOMMAND")
    register_key_commands(cmds, "planner", run_add, run_rotate)


def _keys_file(args: argparse.Namespace) -> Path | None:
    config = load_config_or_report(args.config)
    if config is None:
        return None
    file = config.gateway.planners.get(args.planner)
    if file is None:
        print(f"unknown planner {args.planner!r}; add gateway.planners.{args.planner}.api_keys_file to "
              f"{args.config} first (planners: {', '.join(sorted(config.gateway.planners)) or 'none'})",
              file=sys.stderr)
    return file


def run_add(args: argparse.Namespace) -> int:
    return add_key("planner", args.planner, _keys_file(args))


def run_rotate(args: argparse.Namespace) -> int:
    return rotate_key("planner", args.planner, _keys_file(args), args.overlap_hours)
