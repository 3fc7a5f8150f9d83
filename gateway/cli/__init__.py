"""The ``gateway`` command: serve, demo, replay, config check, translate, mappings, partners, planners."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gateway.cli import config_cmd, mappings_cmd, partners_cmd, planners_cmd, translate_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gateway", description="Logistics integration gateway")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (translate_cmd, config_cmd, mappings_cmd, partners_cmd, planners_cmd):
        module.register(sub)
    _register_optional(sub)
    return parser


def _register_optional(sub: argparse._SubParsersAction) -> None:
    # Commands whose modules pull in the server stack are registered lazily, so that
    # `gateway translate` stays fast to start.
    from gateway.cli import replay_cmd, runtime_cmd
    runtime_cmd.register(sub)
    replay_cmd.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
