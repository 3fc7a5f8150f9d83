"""Shared helpers for the X12 tests: corpus paths, decoding, a control-number sequence."""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from pathlib import Path

from adapters.x12 import X12DecodeResult, decode_x12

REPO = Path(__file__).parents[2]
CORPUS = REPO / ".." / "shared" / "corpus" / "x12"
FIXTURES = REPO / "tests" / "fixtures" / "x12"
WHEN = datetime(2026, 1, 2, 3, 4)


def corpus_bytes(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def decode_corpus(name: str) -> X12DecodeResult:
    return decode_x12(corpus_bytes(name))


def decode_fixture(name: str) -> X12DecodeResult:
    return decode_x12((FIXTURES / name).read_bytes())


class Sequence:
    """In-memory stand-in for the store's persistent control-number sequence."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self._counters: dict[tuple[str, str], itertools.count] = {}

    def __call__(self, partner: str, kind: str) -> int:
        self.calls.append((partner, kind))
        counter = self._counters.setdefault((partner, kind), itertools.count(1))
        return next(counter)


def renumbered(body: bytes, control: int) -> bytes:
    """One interchange with its ISA13 and IEA02 set to ``control`` (a repeat would be flagged)."""
    start = body.index(b"ISA")
    sep = body[start + 3:start + 4]
    elements = body[start:].split(sep, 16)
    elements[13] = b"%09d" % control
    text = body[:start] + sep.join(elements)
    return re.sub(re.escape(b"IEA" + sep) + rb"(\d+)" + re.escape(sep) + rb"\d+",
                  lambda m: b"IEA" + sep + m.group(1) + sep + b"%09d" % control, text)


def concatenated(paths: list[Path], copies: int) -> bytes:
    """``copies`` rounds of the one-interchange files ``paths``, each interchange numbered anew."""
    files = [path.read_bytes() for path in paths]
    return b"\n".join(renumbered(files[n % len(files)], n + 1) for n in range(copies * len(files)))


def codes(result: X12DecodeResult) -> set[tuple[str, str | None, str | None]]:
    """(error class, code, segment id) of every finding, for compact assertions."""
    return {(type(e).__name__, e.code, e.segment_id) for e in result.errors}
