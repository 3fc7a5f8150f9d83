"""``gateway partners add|rotate|certify``: onboard partners without touching secrets by hand."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.registry import default_decoders
from canonical.validate import CanonicalValidator
from gateway.certify import certify
from gateway.cli.common import load_config_or_report, load_registry, media_for
from gateway.credentials import append_key, issue_key, rotate
from gateway.mapping.preview import MappingPreview


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("partners", help="issue and rotate partner credentials; certify a partner's samples")
    cmds = p.add_subparsers(dest="partners_command", required=True, metavar="SUBCOMMAND")
    add = cmds.add_parser("add", help="issue an API key for a partner (shown once, stored hashed)")
    add.add_argument("partner")
    add.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    add.set_defaults(handler=run_add)
    rot = cmds.add_parser("rotate", help="issue a new key; existing keys stay valid for the overlap only")
    rot.add_argument("partner")
    rot.add_argument("--config", type=Path, default=Path("gateway.yaml"))
    rot.add_argument("--overlap-hours", type=float, default=24.0)
    rot.set_defaults(handler=run_rotate)
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
    partner.api_keys_file.parent.mkdir(parents=True, exist_ok=True)
    return partner.api_keys_file


def _issue(partner: str, file: Path) -> None:
    key, record = issue_key(partner)
    append_key(file, record)
    print(f"partner {partner}: new key {record.id} stored (hashed) in {file}", file=sys.stderr)
    print("This key is shown once; hand it to the partner now:", file=sys.stderr)
    print(key)


def run_add(args: argparse.Namespace) -> int:
    file = _keys_file(args)
    if file is None:
        return 1
    _issue(args.partner, file)
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    file = _keys_file(args)
    if file is None:
        return 1
    changed = rotate(file, args.overlap_hours * 3600)
    until = datetime.now(UTC) + timedelta(hours=args.overlap_hours)
    print(f"{changed} existing key(s) now expire at {until.isoformat(timespec='seconds')}", file=sys.stderr)
    _issue(args.partner, file)
    return 0


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
