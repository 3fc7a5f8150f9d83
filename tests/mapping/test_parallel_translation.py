"""Translating a large X12 input in worker processes gives exactly what one process gives."""

from __future__ import annotations

import os
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.registry import default_decoders
from canonical.validate import CanonicalValidator
from gateway.cli.common import DEFAULT_MAPPINGS, load_registry, media_for
from gateway.documents import BodyPart, BodyUncuttable, DecodeResult
from gateway.mapping import parallel
from gateway.mapping.fixtures import FixtureRunner
from gateway.mapping.parallel import ProcessTranslator, TranslationFailed
from tests.x12.helpers import concatenated, renumbered

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "x12"
# Clean real interchanges (ASCII, nothing for the tokenizer to tolerate), 204s and 214s with
# their own delimiters; the Canada Post file holds nine sets its guide refuses among ten it accepts.
CLEAN = ["214/alnk-214-single-line.edi", "204/gtlogistics-204.edi", "214/stedi-fedex-ground-214.edi",
         "204/otmos-patrick-204.edi", "214/cleo-epes-214.edi", "204/conard-koch-204-indented.edi"]
WITH_REFUSED_SETS = "214/canadapost-214-multi-st.edi"
CTX = {"partner": "carrier", "channel": "edi", "message_id": "file:big.edi", "received_at": "2026-01-02T03:04:05Z"}
X12 = "application/edi-x12"


def big_input(names: list[str], copies: int) -> bytes:
    return concatenated([CORPUS / name for name in names], copies)


@pytest.fixture(scope="module")
def runner() -> FixtureRunner:
    return FixtureRunner(load_registry([DEFAULT_MAPPINGS]), default_decoders(), CanonicalValidator(), media_for)


def translated(runner: FixtureRunner, body: bytes, processes: int,
               mapping: str | None = None) -> tuple[bytes, list[str], list[str], str | None]:
    """(events as JSON lines, warnings, refusals, the error that ended it) as ``gateway translate`` sees them."""
    out = []
    with ProcessTranslator(runner, processes, min_bytes=0) as translator:
        translation = translator.translate(body, X12, mapping, CTX)
        try:
            for lines, _ in translation.lines():
                out.append(lines)
        except TranslationFailed as exc:
            return b"".join(out), [], [], f"{exc.kind}: {exc}"
        except Exception as exc:  # noqa: BLE001 - one process raises the error itself
            return b"".join(out), [], [], f"{type(exc).__name__}: {exc}"
    return b"".join(out), translation.warnings, translation.rejected, None


def test_a_large_x12_input_is_cut_into_runs_of_whole_interchanges(runner: FixtureRunner) -> None:
    body = big_input(CLEAN, 4)
    parts = list(runner.decoders.split(body, X12, 8) or ())
    assert len(parts) == 8
    assert parts[0].start == 0 and parts[-1].end == len(body)
    assert all(a.end == b.start and body[b.start:b.start + 3] == b"ISA" for a, b in pairwise(parts))


def test_translating_in_worker_processes_prints_the_events_of_one_process(runner: FixtureRunner) -> None:
    body = big_input(CLEAN, 4)
    one = translated(runner, body, 1)
    assert one[0].count(b"\n") == 40 and one[3] is None  # 24 sets: one event per tender, one or more per status
    assert translated(runner, body, 2) == one


def test_sets_refused_in_an_earlier_part_leave_the_event_ids_and_refusals_of_one_process(runner: FixtureRunner) -> None:
    body = big_input([WITH_REFUSED_SETS, *CLEAN], 3)
    one = translated(runner, body, 1)
    assert len(one[2]) == 27  # nine refused sets in each of three copies
    # Each refusal names its segment by its number in the whole file, which parts resume.
    assert any("segment" in refusal for refusal in one[2])
    assert translated(runner, body, 2) == one


def test_a_document_that_fails_in_a_later_part_ends_the_output_where_one_process_ends_it(runner: FixtureRunner) -> None:
    tenders = big_input(["204/gtlogistics-204.edi", "204/otmos-patrick-204.edi", "204/conard-koch-204-indented.edi"], 4)
    body = tenders + b"\n" + renumbered((CORPUS / "214/alnk-214-single-line.edi").read_bytes(), 99)
    one = translated(runner, body, 1, mapping="x12-204")  # the 214 at the end cannot be read as a tender
    assert one[0].count(b"\n") == 12
    assert one[3] is not None and one[3].startswith("MappingError: mapping x12-204@1") and "set 052150001" in one[3]
    assert translated(runner, body, 2, mapping="x12-204") == one


def test_an_input_with_text_between_its_last_interchanges_is_read_in_one_piece(runner: FixtureRunner) -> None:
    whole = big_input(CLEAN, 2)
    last = whole.rindex(b"\nISA")
    body = whole[:last] + b"\n-- next --" + whole[last:]
    split = runner.decoders.split(body, X12, 4)
    assert split is not None and next(split).start == 0  # parts are handed out before the text is met
    with pytest.raises(BodyUncuttable):
        list(split)
    one = translated(runner, body, 1)
    assert any("segment '-- next --' outside a transaction set" in warning for warning in one[1])
    assert translated(runner, body, 2) == one


def test_an_input_whose_interchange_control_numbers_repeat_is_read_in_one_piece(runner: FixtureRunner) -> None:
    files = [(CORPUS / name).read_bytes() for name in CLEAN]
    body = b"\n".join([*files, *files])
    with pytest.raises(BodyUncuttable):
        list(runner.decoders.split(body, X12, 4) or ())
    assert translated(runner, body, 2) == translated(runner, body, 1)


def test_a_json_input_is_translated_in_process(runner: FixtureRunner) -> None:
    body = (CORPUS.parent / "carrier" / "easypost-tracker-updated-webhook-fedex.json").read_bytes()
    assert runner.decoders.split(body, "application/json", 4) is None
    with ProcessTranslator(runner, 2, min_bytes=0) as translator:
        assert sum(n for _, n in translator.translate(body, "application/json", None, CTX).lines()) > 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.integers(min_value=2, max_value=40))
def test_the_parts_of_any_cut_decode_to_the_sets_of_the_whole_input(runner: FixtureRunner, parts: int) -> None:
    body = big_input([WITH_REFUSED_SETS, *CLEAN], 2)
    whole = runner.decoders.decode(body, X12)
    expected = [(d.locator, d.tree) for d in whole.documents]
    cut = list(runner.decoders.split(body, X12, parts) or ())
    found: list[tuple[str, object]] = []
    rejected: list[str] = []
    for part in cut:
        result: DecodeResult = runner.decoders.decode_part(body[part.start:part.end], X12, part)
        found += [(d.locator, d.tree) for d in result.documents]
        rejected += [str(r) for r in result.rejected]
    assert found == expected
    assert rejected == [str(r) for r in whole.rejected]


_WORKER = parallel._in_worker


def _dies_after_the_first_part(data: bytes, media: str, part: BodyPart, documents_before: int, mapping: str | None,
                               ctx: dict[str, Any]) -> object:
    if part.start:
        os._exit(9)  # as a worker the kernel kills for want of memory
    return _WORKER(data, media, part, documents_before, mapping, ctx)


def test_parts_whose_worker_died_are_translated_in_process_with_the_same_output(
        runner: FixtureRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    body = big_input([WITH_REFUSED_SETS, *CLEAN], 2)
    one = translated(runner, body, 1)
    monkeypatch.setattr(parallel, "_in_worker", _dies_after_the_first_part)
    assert translated(runner, body, 2) == one


@settings(max_examples=10, deadline=None)
@given(order=st.lists(st.sampled_from([WITH_REFUSED_SETS, *CLEAN]), min_size=2, max_size=14),
       copies=st.integers(min_value=1, max_value=3))
def test_any_mix_of_real_interchanges_translates_in_two_processes_as_in_one(
        runner: FixtureRunner, order: list[str], copies: int) -> None:
    body = big_input(order, copies)
    one, two = translated(runner, body, 1), translated(runner, body, 2)
    assert (two[0], two[2], two[3]) == (one[0], one[2], one[3])
    assert sorted(two[1]) == sorted(one[1])  # warnings come part by part


def test_parts_are_small_enough_that_the_events_waiting_to_be_written_stay_bounded(
        runner: FixtureRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    body = big_input(CLEAN, 4)
    asked: list[int] = []
    split = runner.decoders.split

    def spy(data: bytes, media: str, parts: int) -> object:
        asked.append(parts)
        return split(data, media, parts)

    monkeypatch.setattr(parallel, "MAX_PART_BYTES", 1024)
    monkeypatch.setattr(runner.decoders, "split", spy)
    assert translated(runner, body, 2) == translated(runner, body, 1)
    assert asked == [-(-len(body) // 1024)] and asked[0] > 8  # more than the eight parts two workers would get
