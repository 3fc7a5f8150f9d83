"""``gateway serve``, ``gateway demo`` and ``gateway replay``: the commands that run the gateway."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the gateway (HTTP admit, pipeline and delivery workers)")
    serve.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from gateway.config import load_config
    from gateway.runtime import run_gateway
    run_gateway(load_config(args.config), args.host, args.port)
    return 0
