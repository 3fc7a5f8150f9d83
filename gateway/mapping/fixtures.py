"""Mapping tests as data: ``<mapping>.tests.yaml`` next to each mapping file.

::

    mapping: easypost-tracker
    context: {partner: easypost, channel: webhook}          # optional defaults for every case
    cases:
      - name: fedex webhook yields one status per scan
        input: fixtures/easypost-fedex.json                  # relative to this file, or corpus:<path>
        expect: fixtures/easypost-fedex.expected.jsonl       # the exact events, one per line
      - name: the first scan is label creation
        input: fixtures/easypost-fedex.json
        expect_events: [{data: {status: {code: CREATED}}}]   # the first events contain these (subset)
        expect_count: 7                                      # optional: exactly this many events
      - name: a tracker without tracking code is refused
        input_json: {object: Tracker, tracking_details: [{status: delivered}]}
        expect_error: required value is missing              # a substring of the error

Tests never call targets: they decode, map and validate, nothing else. ``corpus:`` paths read
``../shared/corpus`` beside the repository, for samples whose licence forbids copying them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from canonical.validate import CanonicalValidationError, CanonicalValidator
from gateway.documents import DecodeError, DecodeResult, DecoderRegistry, Document
from gateway.mapping.compiled import MappingContext
from gateway.mapping.errors import MappingError
from gateway.mapping.registry import TESTS_SUFFIX, MappingRegistry
from gateway.yamlsrc import YamlSourceError, load_yaml

CASE_KEYS = {"name", "input", "input_json", "content_type", "expect", "expect_events", "expect_count", "expect_error",
             "context", "auto"}
DEFAULT_CONTEXT = {"partner": "test-partner", "channel": "test", "message_id": "01JTESTMESSAGE000000000000",
                   "received_at": "2026-01-01T00:00:00Z"}


@dataclass
class CaseResult:
    file: str
    name: str
    passed: bool
    detail: str = ""


@dataclass
class FixtureReport:
    results: list[CaseResult] = field(default_factory=list)

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def corpus_root(start: Path) -> Path:
    """``shared/corpus`` beside the repository that holds ``start``."""
    for parent in [start, *start.parents]:
        candidate = parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return start.parents[-1] / "shared" / "corpus"


def _resolve(base: Path, ref: str) -> Path:
    if ref.startswith("corpus:"):
        return corpus_root(base.resolve()) / ref[len("corpus:"):]
    return base / ref


def _subset(expected: Any, actual: Any, path: str = "") -> str | None:
    """Where ``expected`` is not contained in ``actual`` (None when it is)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path or '/'}: expected an object, got {json.dumps(actual)[:80]}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}/{key}: missing"
            found = _subset(value, actual[key], f"{path}/{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{path}: expected {len(expected)} items, got {json.dumps(actual)[:120]}"
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            found = _subset(e, a, f"{path}/{i}")
            if found:
                return found
        return None
    if expected != actual:
        return f"{path}: expected {json.dumps(expected)}, got {json.dumps(actual)}"
    return None


def _pretty(events: list[dict[str, Any]]) -> list[str]:
    return json.dumps(events, indent=2, sort_keys=True, ensure_ascii=False).splitlines()


class FixtureRunner:
    """Runs every ``*.tests.yaml`` under some paths against a loaded registry."""

    def __init__(self, registry: MappingRegistry, decoders: DecoderRegistry, validator: CanonicalValidator,
                 media_for: Callable[[Path], str | None]) -> None:
        self.registry, self.decoders, self.validator, self.media_for = registry, decoders, validator, media_for

    def run(self, paths: list[Path], update: bool = False) -> FixtureReport:
        report = FixtureReport()
        files: list[Path] = []
        for path in paths:
            files += sorted(path.rglob(f"*{TESTS_SUFFIX}")) if path.is_dir() else [path]
        for file in files:
            self._run_file(file, report, update)
        return report

    def translate(self, body: bytes, media: str, mapping: str | None, ctx: dict[str, Any]) -> list[dict[str, Any]]:
        """Decode, map and validate one input the way the pipeline does (without storing).

        Parts the decoder refused on their own are skipped, as the pipeline skips them; when
        nothing at all can be translated, the first refusal is raised with its findings.
        """
        return self.translate_result(self.decoders.decode(body, media), mapping, ctx)

    def translate_result(self, result: DecodeResult, mapping: str | None, ctx: dict[str, Any]) -> list[dict[str, Any]]:
        """Map and validate what a decoder produced."""
        return list(self.iter_translate(result, mapping, ctx))

    def iter_translate(self, result: DecodeResult, mapping: str | None,
                       ctx: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Each valid event of ``result`` as soon as its document is mapped (one document held at a time).

        When the decoder refused every part, the first refusal is raised once the documents are read.
        """
        index = -1
        for index, document in enumerate(result.documents):
            yield from self.translate_document(document, index, mapping, ctx)
        if index < 0 and result.rejected:
            raise result.rejected[0]

    def translate_document(self, document: Document, index: int, mapping: str | None,
                           ctx: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Each valid event of the ``index``-th document of an input (the index is part of each event's id)."""
        compiled = self.registry.select(document, mapping, ctx.get("partner"))
        context = MappingContext(partner=ctx["partner"], channel=ctx["channel"], message_id=ctx["message_id"],
                                 received_at=ctx["received_at"], document_index=index)
        for event in compiled.apply(document, context):
            self.validator.validate_event(event)
            yield event

    def _run_file(self, file: Path, report: FixtureReport, update: bool) -> None:
        try:
            doc = load_yaml(file)
        except YamlSourceError as exc:
            report.results.append(CaseResult(str(file), "(file)", False, str(exc)))
            return
        mapping = doc.get("mapping")
        defaults = dict(DEFAULT_CONTEXT, **(doc.get("context") or {}))
        for i, case in enumerate(doc.get("cases") or []):
            name = case.get("name", f"case {i + 1}")
            unknown = set(case) - CASE_KEYS
            if unknown:
                report.results.append(CaseResult(str(file), name, False, f"unknown key(s) {sorted(unknown)}"))
                continue
            report.results.append(self._run_case(file, mapping, defaults, case, name, update))

    def _run_case(self, file: Path, mapping: str | None, defaults: dict[str, Any], case: dict[str, Any], name: str,
                  update: bool) -> CaseResult:
        base = file.parent
        if "input_json" in case:
            body, media = orjson.dumps(case["input_json"]), case.get("content_type", "application/json")
        else:
            source = _resolve(base, case["input"])
            try:
                body = source.read_bytes()
            except OSError as exc:
                return CaseResult(str(file), name, False, f"cannot read input {source}: {exc.strerror}")
            media = case.get("content_type") or self.media_for(source) or self.decoders.sniff(body) or ""
        ctx = dict(defaults, **(case.get("context") or {}))
        chosen = None if case.get("auto") else mapping
        try:
            events = self.translate(body, media, chosen, ctx)
            if case.get("auto") and mapping:
                made_by = {e["mapping"].split("@")[0] for e in events}
                if made_by and made_by != {mapping}:
                    return CaseResult(str(file), name, False, f"auto-selection chose {sorted(made_by)}, not {mapping}")
        except (DecodeError, MappingError, CanonicalValidationError, LookupError) as exc:
            if "expect_error" in case:
                wanted = str(case["expect_error"])
                if wanted in str(exc):
                    return CaseResult(str(file), name, True)
                return CaseResult(str(file), name, False, f"expected an error containing {wanted!r}, got: {exc}")
            return CaseResult(str(file), name, False, f"{type(exc).__name__}: {exc}")
        if "expect_error" in case:
            return CaseResult(str(file), name, False, f"expected an error containing {case['expect_error']!r}, "
                                                      f"got {len(events)} event(s)")
        if "expect" in case:
            target = _resolve(base, case["expect"])
            if update:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(b"".join(orjson.dumps(e, option=orjson.OPT_SORT_KEYS) + b"\n" for e in events))
                return CaseResult(str(file), name, True, "updated")
            try:
                expected = [orjson.loads(line) for line in target.read_bytes().splitlines() if line.strip()]
            except (OSError, orjson.JSONDecodeError) as exc:
                return CaseResult(str(file), name, False, f"cannot read expected events {target}: {exc}")
            if expected != events:
                diff = "\n".join(difflib.unified_diff(_pretty(expected), _pretty(events), "expected", "actual",
                                                      lineterm="", n=2))
                return CaseResult(str(file), name, False, diff)
        if "expect_count" in case and case["expect_count"] != len(events):
            return CaseResult(str(file), name, False, f"expected {case['expect_count']} events, got {len(events)}")
        if "expect_events" in case:
            wanted = case["expect_events"]
            if len(events) < len(wanted):
                return CaseResult(str(file), name, False, f"expected at least {len(wanted)} events, got {len(events)}")
            problem = _subset(wanted, events[:len(wanted)])
            if problem:
                return CaseResult(str(file), name, False, problem)
        return CaseResult(str(file), name, True)
