"""``gateway translate [--mapping NAME] FILE...``: decode and map files offline, print events."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from adapters.registry import partner_decoders
from gateway.cli.common import DEFAULT_MAPPINGS, load_config_or_report, media_for, runner_for
from gateway.config import ConfigError
from gateway.config.model import Config, Partner
from gateway.documents import DecodeResult
from gateway.mapping.fixtures import FixtureRunner
from gateway.mapping.parallel import TRANSLATION_ERRORS, ProcessTranslator, TranslationFailed
from gateway.mapping.timevalues import utc_now_text

# 3: some input translated and some refused (each refusal is on stderr), also within one file.
EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("translate", help="print the canonical events of files, one JSON object per line")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--mapping", help="mapping name (default: pick by the mappings' match rules)")
    p.add_argument("--mappings", type=Path, action="append", help=f"mapping directory (default: {DEFAULT_MAPPINGS})")
    p.add_argument("--partner", default="cli", help="partner id to record in the events")
    p.add_argument("--config", type=Path,
                   help="gateway configuration whose --partner settings apply (X12 guide overrides, "
                        "acknowledgement kind) and whose mappings_dir is read unless --mappings is given")
    p.add_argument("--content-type", help="media type (default: from the file name, else sniffed)")
    p.add_argument("--ack", action="store_true",
                   help="print the acknowledgements (X12 997/999/TA1) the gateway would send back, not the events")
    p.add_argument("--ack-kind", choices=["997", "999"],
                   help="functional acknowledgement to build (default: the partner's, with --config; else 997)")
    p.add_argument("--jobs", type=int, default=_usable_cpus(), metavar="N",
                   help="processes that read, map and validate a large input in parts (X12: runs of whole "
                        "interchanges; default: the CPUs this process may use, here %(default)s; 1: this process only)")
    p.set_defaults(handler=run)


def _usable_cpus() -> int:
    # sched_getaffinity honours a container's or taskset's limit; it is Linux only.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run(args: argparse.Namespace) -> int:
    decoders, ack_kind, mappings = None, args.ack_kind or "997", args.mappings or [DEFAULT_MAPPINGS]
    if args.config is not None:
        found = _partner(args.config, args.partner)
        if found is None:
            return EXIT_FAILED
        config, partner = found
        try:
            decoders = partner_decoders({partner.id: partner}).get(partner.id)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return EXIT_FAILED
        if args.ack_kind is None and partner.x12.ack in ("997", "999"):
            ack_kind = partner.x12.ack
        mappings = args.mappings or [config.gateway.mappings_dir]
    runner = runner_for(mappings, decoders)
    with ProcessTranslator(runner, args.jobs) as translator:
        return _translate_files(args, runner, translator, ack_kind)


def _translate_files(args: argparse.Namespace, runner: FixtureRunner, translator: ProcessTranslator,
                     ack_kind: str) -> int:
    out = sys.stdout.buffer
    failures = successes = 0
    for path in args.files:
        try:
            body = path.read_bytes()
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
            failures += 1
            continue
        media = args.content_type or media_for(path) or runner.decoders.sniff(body)
        if media is None:
            print(f"{path}: cannot tell the format (not JSON, XML or X12); pass --content-type", file=sys.stderr)
            failures += 1
            continue
        ctx = {"partner": args.partner, "channel": "cli", "message_id": f"file:{path.name}",
               "received_at": utc_now_text()}
        events = 0
        try:
            if args.ack:
                _print_acks(path, runner.decoders.decode(body, media), ack_kind)
                successes += 1
                continue
            translation = translator.translate(body, media, args.mapping, ctx)
            # Written as they come: a large input is translated a document or a part at a time, so
            # an error part-way leaves the events before it written (and the exit status says so).
            for lines, count in translation.lines():
                out.write(lines)
                events += count
        except (*TRANSLATION_ERRORS, TranslationFailed) as exc:
            kind = exc.kind if isinstance(exc, TranslationFailed) else type(exc).__name__
            print(f"{path}: {kind}: {exc}", file=sys.stderr)
            failures += 1
            successes += 1 if events else 0
            continue
        # What the reader tolerated (unpadded ISA, a missing last terminator, envelope counts that
        # disagree, a set with no guide) is translated all the same, but the user should know.
        for warning in translation.warnings:
            print(f"{path}: warning: {warning}", file=sys.stderr)
        for refused in translation.rejected:
            print(f"{path}: refused: {refused}", file=sys.stderr)
        if translation.rejected:
            failures += 1
        successes += 1 if events else 0
    out.flush()
    if failures and successes:
        return EXIT_PARTIAL
    return EXIT_FAILED if failures else EXIT_OK


def _print_acks(path: Path, result: DecodeResult, ack_kind: str) -> None:
    replies = result.replies(_counter(), frozenset(), ack_kind) if result.replies else []
    if not replies:
        print(f"{path}: this format owes no acknowledgement", file=sys.stderr)
    out = sys.stdout.buffer
    for reply in replies:
        out.write(reply.body.rstrip(b"\r\n") + b"\n")


def _partner(config_path: Path, partner_id: str) -> tuple[Config, Partner] | None:
    """A configuration and its partner ``partner_id``, or None after saying why not."""
    config = load_config_or_report(config_path)
    if config is None:
        return None
    partner = config.partners.get(partner_id)
    if partner is None:
        print(f"{config_path}: no partner {partner_id!r} (known: {', '.join(sorted(config.partners)) or 'none'}); "
              "name one with --partner", file=sys.stderr)
        return None
    return config, partner


def _counter() -> Callable[[str, str], int]:
    """Control numbers for a dry run: 1, 2, 3 ... per partner and kind (the store's sequences do this live)."""
    counts: dict[tuple[str, str], int] = {}

    def next_number(partner: str, kind: str) -> int:
        counts[(partner, kind)] = counts.get((partner, kind), 0) + 1
        return counts[(partner, kind)]
    return next_number
