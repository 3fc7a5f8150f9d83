"""Streaming tokenizer: delimiters from the ISA, tolerance where unambiguous, precise errors where not."""

from __future__ import annotations

import pytest

from adapters.x12.errors import DelimiterError
from adapters.x12.tokenizer import Tokenizer, parse_isa_header

from .helpers import corpus_bytes

ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P*>"
BODY = "GS*QM*S*R*20260101*1200*1*X*004010{t}ST*214*0001{t}B10*A*B*SCAC{t}SE*3*0001{t}GE*1*1{t}IEA*1*000000001{t}"


def tokens(data: bytes, chunk: int = 65536) -> tuple[list[list[str]], Tokenizer]:
    tok = Tokenizer(data[i : i + chunk] for i in range(0, len(data), chunk))
    return [seg for batch in tok.batches() for seg in batch.segments], tok


def ids(data: bytes, chunk: int = 65536) -> list[str]:
    return [s[0] for s in tokens(data, chunk)[0]]


EXPECTED = ["ISA", "GS", "ST", "B10", "SE", "GE", "IEA"]


@pytest.mark.parametrize("term", ["~", "~\n", "~\r\n", "\n", "\r\n", "|", ".", "\u2026", "\x1c", "'"])
def test_segment_terminator_is_the_character_after_isa16(term: str) -> None:
    data = (ISA + term + BODY.format(t=term)).encode()
    assert ids(data) == EXPECTED


def test_element_separator_is_the_character_after_isa_tag() -> None:
    text = (ISA + "~" + BODY.format(t="~")).replace("*", "^")
    assert tokens(text.encode())[0][3] == ["B10", "A", "B", "SCAC"]


def test_utf8_bom_and_leading_whitespace_before_isa_are_skipped() -> None:
    data = "\ufeff\t \n".encode() + (ISA + "~" + BODY.format(t="~")).encode()
    assert ids(data) == EXPECTED


def test_indented_segments_are_read_without_the_indentation() -> None:
    data = (ISA + "~\n    " + BODY.format(t="~\n    ")).encode()
    assert tokens(data)[0][3] == ["B10", "A", "B", "SCAC"]


def test_unpadded_isa_is_read_by_counting_separators_and_warned_about() -> None:
    isa = "ISA*00* *00* *ZZ*SENDER *ZZ*RECEIVER *260101*1200*U*00401*000000001*0*P*>"
    segs, tok = tokens((isa + "~" + BODY.format(t="~")).encode())
    assert [s[0] for s in segs] == EXPECTED
    assert any("not 106" in w.message for w in tok.warnings)


def test_last_segment_without_terminator_is_kept_and_warned_about() -> None:
    data = (ISA + "~" + BODY.format(t="~")).rstrip("~").encode()
    segs, tok = tokens(data)
    assert segs[-1] == ["IEA", "1", "000000001"]
    assert any("no terminator" in w.message for w in tok.warnings)


def test_empty_segment_is_skipped_with_a_warning_not_end_of_input() -> None:
    data = (ISA + "~" + BODY.format(t="~").replace("B10*A*B*SCAC~", "B10*A*B*SCAC~~")).encode()
    segs, tok = tokens(data)
    assert [s[0] for s in segs] == EXPECTED
    assert any("empty segment" in w.message for w in tok.warnings)


def test_each_interchange_uses_its_own_delimiters() -> None:
    first = ISA + "~\n" + BODY.format(t="~\n")
    second = (ISA + "|" + BODY.format(t="|")).replace("*", "^").replace("^>|", "^:|")
    assert ids((first + second).encode()) == EXPECTED * 2


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_result_does_not_depend_on_chunk_boundaries(chunk: int) -> None:
    data = corpus_bytes("204/edilexparse-204-two-interchanges.edi")
    assert tokens(data, chunk)[0] == tokens(data)[0]


def test_u2026_terminator_split_across_chunks_is_read() -> None:
    data = (ISA + "\u2026" + BODY.format(t="\u2026")).encode()
    assert ids(data, chunk=1) == EXPECTED


def test_repetition_separator_is_taken_from_isa11_from_version_00402() -> None:
    isa = ISA.replace("*U*00401*", "*^*00501*")
    header = parse_isa_header(isa + "~GS", eof=False)
    assert header is not None and header.delimiters.repetition == "^"


def test_isa11_caret_with_version_00401_is_not_a_repetition_separator() -> None:
    isa = ISA.replace("*U*00401*", "*^*00401*")
    header = parse_isa_header(isa + "~GS", eof=False)
    assert header is not None and header.delimiters.repetition is None
    assert any("predates repetition" in w for w in header.warnings)


def test_isa_with_a_letter_after_the_tag_is_rejected_with_code_026() -> None:
    with pytest.raises(DelimiterError) as exc:
        parse_isa_header("ISAX00X", eof=True)
    assert exc.value.code == "026"


def test_isa_missing_elements_is_rejected_with_a_reason() -> None:
    short = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*U*00401*000000001*0*P~GS*QM*A*B~"
    with pytest.raises(DelimiterError) as exc:
        parse_isa_header(short, eof=True)
    assert "fewer than 16 elements" in exc.value.why


def test_terminator_that_is_a_letter_is_rejected_with_code_004() -> None:
    with pytest.raises(DelimiterError) as exc:
        parse_isa_header(ISA + "GS*QM", eof=True)
    assert exc.value.code == "004"


def test_input_without_isa_yields_a_structured_error_not_an_exception() -> None:
    segs, tok = tokens(corpus_bytes("850/edifabric-850-corrupt-isa.edi"))
    assert segs == []
    assert tok.errors[0].code == "022" and "no ISA" in tok.errors[0].why


def test_byte_offsets_point_at_the_segment_in_the_input() -> None:
    data = corpus_bytes("210/cn-210-sample1.edi")
    tok = Tokenizer([data])
    for batch in tok.batches():
        for k, seg in enumerate(batch.segments):
            off = batch.offset(k)
            assert data[off : off + len(seg[0])].decode() == seg[0]


def test_latin1_input_is_read_without_error_and_warned_about() -> None:
    data = (ISA + "~" + BODY.format(t="~").replace("B10*A", "B10*Montr\xe9al")).encode("latin-1")
    segs, tok = tokens(data)
    assert segs[3][1] == "Montréal"
    assert any("Latin-1" in w.message for w in tok.warnings)


def test_isa11_u_with_version_00501_is_warned_about_and_repeats_not_split() -> None:
    isa = ISA.replace("*U*00401*", "*U*00501*")
    header = parse_isa_header(isa + "~GS", eof=False)
    assert header is not None and header.delimiters.repetition is None
    assert any("not a repetition separator" in w for w in header.warnings)


@pytest.mark.parametrize("extra", range(-3, 4))
@pytest.mark.parametrize("term", ["~", "~\n"])
def test_chunk_boundary_at_the_next_isa_still_switches_delimiters(extra: int, term: str) -> None:
    first = (ISA + term + BODY.format(t=term)).encode()
    second = (ISA + "|" + BODY.format(t="|")).replace("*", "^").replace("^>|", "^:|").encode()
    data = first + second
    cut = len(first) + extra
    tok = Tokenizer([data[:cut], data[cut:]])
    assert [s[0] for b in tok.batches() for s in b.segments] == EXPECTED * 2
