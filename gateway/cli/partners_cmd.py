"""``gateway partners add|rotate|certify``: onboard partners without touching secrets by hand."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from adapters.registry import default_decoders
from canonical.validate import CanonicalValidator
from gateway.certify import certify
from gateway.cli.common import (
    add_key,
    load_config_or_report,
    load_registry,
    media_for,
    register_key_commands,
    rotate_key,
)
from gateway.mapping.preview import MappingPreview


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("partners", help="issue and rotate partner credentials; certify a partner's samples")
    cmds = p.add_subparsers(dest="partners_command", required=True, metavar="SUBCOMMAND")
    register_key_commands(cmds, "partner", run_add, run_rotate)
    cert = cmds.add_parser("certify", help="run a partner's samples through its channel and mapping")
    cert.add_argument("partner")
    cert.add_argument("samples", nargs="+", type=Path)
    cert.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    cert.add_argument("--channel")
    cert.add_argument("--report", type=Path, help="write the Markdown report here (JSON beside it)")
    cert.set_defaults(handler=run_certify)


def _keys_file(args: argparse.Namespace) -> Path | None:
    config = load_config_or_report(args.config)
    if config is None:
        return None
    partner = config.partners.get(args.partner)
    if partner is None:
        print(f"unknown partner {args.partner!r}; add it to {args.config} first (partners: "
              f"{', '.join(sorted(config.partners)) or 'none'})", file=sys.stderr)
        return None
    if partner.api_keys_file is None:
        print(f"partners.{args.partner} has no api_keys_file in {args.config}", file=sys.stderr)
        return None
    return partner.api_keys_file


def run_add(args: argparse.Namespace) -> int:
    return add_key("partner", args.partner, _keys_file(args))


def run_rotate(args: argparse.Namespace) -> int:
    return rotate_key("partner", args.partner, _keys_file(args), args.overlap_hours)


def run_certify(args: argparse.Namespace) -> int:
    config = load_config_or_report(args.config)
    if config is None:
        return 1
    decoders = default_decoders()
    preview = MappingPreview(load_registry([config.gateway.mappings_dir]), decoders, CanonicalValidator())
    report = certify(config, args.partner, args.samples, preview,
                     lambda path, body: media_for(path) or decoders.sniff(body), args.channel)
    text = report.to_markdown()
    if args.report:
        args.report.write_text(text, encoding="utf-8")
        args.report.with_suffix(".json").write_text(json.dumps(report.to_json(), indent=2), encoding="utf-8")
        print(f"wrote {args.report} and {args.report.with_suffix('.json')}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0 if report.passed else 1
