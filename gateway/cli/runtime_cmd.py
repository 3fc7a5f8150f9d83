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
    register_demo(sub)


def run_serve(args: argparse.Namespace) -> int:
    import sys

    from gateway.cli.common import load_config_or_report
    from gateway.config import ConfigError
    from gateway.runtime import run_gateway

    config = load_config_or_report(args.config)
    if config is None:
        return 2
    try:
        run_gateway(config, args.host, args.port)
    except ConfigError as exc:  # what only the running parts can check (a partner's X12 guide overrides)
        print(exc, file=sys.stderr)
        return 2
    return 0


def register_demo(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser("demo", help="run the gateway on embedded defaults and feed it the corpus samples")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8080)
    demo.add_argument("--receiver-port", type=int, default=9000)
    demo.add_argument("--workdir", type=Path, default=Path("var/demo"))
    demo.add_argument("--exit", action="store_true", help="stop after showing the results (for CI)")
    demo.set_defaults(handler=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from gateway.config.model import TelemetrySettings
    from gateway.demo import run_demo as demo
    from gateway.telemetry import setup_tracing

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    setup_tracing(TelemetrySettings())
    return asyncio.run(demo(args.host, args.port, args.receiver_port, args.workdir, keep_running=not args.exit))
