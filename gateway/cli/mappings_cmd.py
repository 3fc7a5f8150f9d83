"""``gateway mappings test|lint|new``: the authoring loop for mapping files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from adapters.registry import default_decoders
from gateway.cli.common import DEFAULT_MAPPINGS, load_registry, media_for, runner_for
from gateway.mapping.environment import default_environment
from gateway.mapping.registry import TESTS_SUFFIX, mapping_files
from gateway.mapping.scaffold import scaffold_mapping


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mappings", help="test, lint and scaffold mappings")
    cmds = p.add_subparsers(dest="mappings_command", required=True, metavar="SUBCOMMAND")
    test = cmds.add_parser("test", help="run the fixture tests next to the mappings")
    test.add_argument("paths", nargs="*", type=Path, help=f"tests files or directories (default: {DEFAULT_MAPPINGS})")
    test.add_argument("--mappings", type=Path, action="append", help="mapping directory")
    test.add_argument("--update", action="store_true", help="rewrite the expected-event files from current output")
    test.set_defaults(handler=run_tests)
    lint = cmds.add_parser("lint", help="report every problem in the mapping files with file:line:column")
    lint.add_argument("paths", nargs="*", type=Path)
    lint.set_defaults(handler=run_lint)
    new = cmds.add_parser("new", help="scaffold a mapping from a sample message")
    new.add_argument("--from", dest="sample", type=Path, required=True, metavar="SAMPLE")
    new.add_argument("--name", help="mapping name (default: from the sample's file name)")
    new.add_argument("--type", default="shipment.status", help="canonical event type to emit")
    new.add_argument("--output", type=Path, help="write here instead of stdout")
    new.set_defaults(handler=run_new)


def run_tests(args: argparse.Namespace) -> int:
    paths = args.paths or [DEFAULT_MAPPINGS]
    directories = args.mappings or [p if p.is_dir() else p.parent for p in paths]
    runner = runner_for(directories)
    for exc in runner.registry.refused.values():
        print(f"REFUSED {exc}", file=sys.stderr)
    report = runner.run(paths, update=args.update)
    for result in report.results:
        mark = "PASS" if result.passed else "FAIL"
        print(f"{mark} {result.file} :: {result.name}" + (f" ({result.detail})" if result.passed and result.detail else ""))
        if not result.passed:
            print("    " + result.detail.replace("\n", "\n    "))
    failed = len(report.failed) + len(runner.registry.refused)
    print(f"{len(report.results) - len(report.failed)} passed, {len(report.failed)} failed")
    return 1 if failed else 0


def run_lint(args: argparse.Namespace) -> int:
    directories = args.paths or [DEFAULT_MAPPINGS]
    registry = load_registry(directories)
    problems = 0
    for exc in registry.refused.values():
        for position, message in exc.problems:
            print(f"{position}: {message}")
            problems += 1
    for path in mapping_files(directories):
        tests = path.with_name(path.name[: -len(".yaml")] + TESTS_SUFFIX)
        if not tests.exists():
            print(f"{path}:1:1: no fixture tests ({tests.name} is missing)")
            problems += 1
    print(f"{len(registry.mappings)} mappings loaded, {problems} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def run_new(args: argparse.Namespace) -> int:
    body = args.sample.read_bytes()
    decoders = default_decoders()
    media = media_for(args.sample) or decoders.sniff(body)
    if media is None:
        print(f"{args.sample}: cannot tell the format (not JSON, XML or X12)", file=sys.stderr)
        return 1
    document = next(iter(decoders.decode(body, media).documents), None)
    if document is None:
        print(f"{args.sample}: holds no document to map (an X12 sample needs a set its guide accepts)", file=sys.stderr)
        return 1
    name = args.name or args.sample.stem
    text = scaffold_mapping(name, document, args.type, default_environment(), args.sample.name)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
