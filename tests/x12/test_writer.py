"""Writer: delimiters, ISA padding, GS/GE and ST/SE counts, refusal of values holding delimiters."""

from __future__ import annotations

import pytest

from adapters.x12 import Delimiters, GroupSpec, Party, X12Writer, decode_x12
from adapters.x12.errors import WriteError

from .helpers import WHEN

SENDER = Party("02", "GWAY", "GWAYAPP")
RECEIVER = Party("ZZ", "SHIPPERCO")


def a_990_interchange(writer: X12Writer) -> str:
    group = GroupSpec("GF", "004010", 42)
    group.sets.append(("990", 1, [["B1", "GWAY", "LD1", "20260102", "A"], ["N9", "CN", "PRO1"]]))
    return writer.interchange(SENDER, RECEIVER, 17, "00401", [group], when=WHEN)


def test_isa_is_fixed_width_106_characters() -> None:
    text = X12Writer().isa(SENDER, RECEIVER, 17, "00401", when=WHEN)
    assert len(text) == 106 and text[3] == "*" and text[104] == ">" and text[105] == "~"
    assert text.split("*")[13] == "000000017"


def test_written_interchange_reads_back_clean_with_counts_and_control_numbers() -> None:
    result = decode_x12(a_990_interchange(X12Writer(line_break="\n")).encode())
    assert result.ok, [str(e) for e in result.errors]
    doc = result.documents[0]
    assert doc.tree["group"]["control_number"] == "42" and doc.tree["group"]["sender"] == "GWAYAPP"
    assert doc.raw_segments[-1] == ["SE", "4", "0001"]


def test_writer_uses_the_chosen_delimiters() -> None:
    text = a_990_interchange(X12Writer(Delimiters("|", "^", "\n", None)))
    assert text.startswith("ISA|00|") and "\nB1|GWAY|LD1|20260102|A\n" in text
    assert decode_x12(text.encode()).ok


def test_composites_are_joined_with_the_component_separator_and_trailing_empties_dropped() -> None:
    writer = X12Writer()
    assert writer.segment("N9", ["CN", "PRO1", "", "", "", "", ["BM", "123", ""]]) == "N9*CN*PRO1*****BM>123~"
    assert writer.segment("L11", ["1", "BM", ""]) == "L11*1*BM~"


def test_value_containing_a_delimiter_is_refused() -> None:
    with pytest.raises(WriteError, match="contains delimiter"):
        X12Writer().segment("N1", ["SH", "ACME*CORP"])


def test_isa_field_longer_than_its_width_is_refused() -> None:
    with pytest.raises(WriteError, match="ISA06"):
        X12Writer().isa(Party("ZZ", "X" * 16), RECEIVER, 1, "00401", when=WHEN)


def test_repetition_separator_is_written_in_isa11_from_00402() -> None:
    text = X12Writer(Delimiters("*", ":", "~", "^")).isa(SENDER, RECEIVER, 1, "00501", when=WHEN)
    assert text.split("*")[11] == "^"
    assert X12Writer(Delimiters("*", ":", "~", "^")).isa(SENDER, RECEIVER, 1, "00401", when=WHEN).split("*")[11] == "U"
