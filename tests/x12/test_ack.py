"""997/999 per group, TA1 for broken envelopes, mirrored envelopes, and reading inbound 997s."""

from __future__ import annotations

from adapters.x12 import build_acknowledgements, build_functional_ack, build_ta1, decode_x12, parse_functional_ack
from adapters.x12.ack import partner_key
from adapters.x12.tokenizer import Tokenizer

from .helpers import WHEN, Sequence, decode_corpus, decode_fixture


def acks_for(result, kind: str = "997", seq: Sequence | None = None) -> list[str]:
    return build_acknowledgements(result, seq or Sequence(), kind=kind, when=WHEN, line_break="\n")


def segments(text: str) -> list[list[str]]:
    """Segments of an ack, split with the ack's own delimiters (elements re-joined with '*')."""
    tok = Tokenizer([text.encode()])
    return [[v.strip() if k in (0, 6, 8) else v for k, v in enumerate(s)] for b in tok.batches() for s in b.segments]


def seg(text: str, seg_id: str) -> list[list[str]]:
    return [s for s in segments(text) if s[0] == seg_id]


def test_clean_set_is_acknowledged_with_ak5_a_and_ak9_a() -> None:
    (ack,) = acks_for(decode_corpus("214/alnk-214-single-line.edi"))
    assert seg(ack, "AK1") == [["AK1", "QM", "5215"]]
    assert seg(ack, "AK2") == [["AK2", "214", "052150001"]]
    assert seg(ack, "AK5") == [["AK5", "A"]]
    assert seg(ack, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_ack_envelope_mirrors_the_inbound_interchange() -> None:
    (ack,) = acks_for(decode_corpus("204/stupidedi-204-publix.edi"))
    isa = segments(ack)[0]
    assert (isa[5], isa[6].strip(), isa[7], isa[8].strip()) == ("02", "RECEIVER0002222", "14", "SENDER000111111")
    assert isa[12] == "00401" and isa[15] == "T" and isa[16] == "|"
    assert seg(ack, "GS")[0][8] == "004010"


def test_ack_gs08_is_the_partners_version_exactly_not_isa12() -> None:
    (ack,) = acks_for(decode_corpus("856/oop-856-vics-fedex.edi"))
    assert seg(ack, "GS")[0][8] == "004010VICS"


def test_ack_uses_the_partners_own_delimiters() -> None:
    (ack,) = acks_for(decode_corpus("214/scalax12-214-tilde-element-caret-term.edi"))
    assert ack.startswith("ISA~") and "^" in ack and "AK1~QM~" in ack
    assert seg(ack, "AK9") == [["AK9", "A", "1", "1", "1"]]


def test_newline_terminated_partner_gets_newline_terminated_ack() -> None:
    (ack,) = acks_for(decode_corpus("214/otmos-rlca-214-newline.edi"))
    assert "~" not in ack and "\nAK1*QM*6045\n" in ack


def test_control_numbers_come_from_the_callers_sequence_per_partner() -> None:
    seq = Sequence()
    result = decode_corpus("214/alnk-214-single-line.edi")
    (ack,) = acks_for(result, seq=seq)
    key = partner_key(result.interchanges[0])
    assert key == "02:ALNK"
    assert sorted(seq.calls) == [(key, "GS"), (key, "ISA"), (key, "ST")]
    assert segments(ack)[0][13] == "000000001" and seg(ack, "ST") == [["ST", "997", "0001"]]


def test_negative_997_points_at_segment_and_element_of_the_fault() -> None:
    (ack,) = acks_for(decode_corpus("990/nodex12edi-990-accept-decline-counter.edi"))
    assert seg(ack, "AK3") == [["AK3", "B1", "2", "", "8"]]
    assert seg(ack, "AK4") == [["AK4", "4", "558", "7", "C"]]
    assert seg(ack, "AK5") == [["AK5", "A"], ["AK5", "A"], ["AK5", "R", "5"]]
    assert seg(ack, "AK9") == [["AK9", "P", "3", "3", "2"]]


def test_se01_count_error_gives_ak5_code_4() -> None:
    (ack,) = acks_for(decode_corpus("210/ups-210-pipe-terminator.edi"))
    assert seg(ack, "AK5")[0] == ["AK5", "R", "4"]
    assert seg(ack, "AK9") == [["AK9", "P", "5", "5", "4"]]


def test_ge01_count_error_gives_ak9_code_5() -> None:
    (ack,) = acks_for(decode_corpus("214/stedi-fedex-ground-214.edi"))
    assert seg(ack, "AK9") == [["AK9", "R", "237", "1", "1", "5"]]


def test_unknown_segment_and_missing_segment_get_their_own_ak3_codes() -> None:
    (ack,) = acks_for(decode_fixture("handwritten-204-errors.edi"))
    assert ["AK3", "XQ9", "5", "", "6"] in seg(ack, "AK3")
    assert ["AK3", "B2A", "6", "", "3"] in seg(ack, "AK3")
    assert seg(ack, "AK5") == [["AK5", "R", "4", "5"]]


def test_broken_interchange_trailer_gets_a_ta1_not_a_997() -> None:
    (ta1,) = acks_for(decode_corpus("940/ediengine-940-control-number-mismatch.edi"))
    assert seg(ta1, "TA1") == [["TA1", "000003438", "101127", "1719", "R", "001"]]
    assert not seg(ta1, "ST")


def test_missing_iea_gets_ta1_code_023() -> None:
    (ta1,) = acks_for(decode_corpus("214/eddy-214-annotated-comments.edi"))
    assert seg(ta1, "TA1")[0][4:] == ["R", "023"]


def test_ta1_is_sent_when_the_partner_asks_with_isa14() -> None:
    out = acks_for(decode_fixture("handwritten-204-two-stops.edi"))
    assert len(out) == 2 and seg(out[0], "TA1")[0][4:] == ["A", "000"] and seg(out[1], "AK9")[0][1] == "A"


def test_each_group_of_an_interchange_gets_its_own_997_with_its_version() -> None:
    (ack,) = acks_for(decode_corpus("mixed/staedi-810-850-dual.edi"))
    assert [g[8] for g in seg(ack, "GS")] == ["004010", "003010"]
    assert [a[1] for a in seg(ack, "AK1")] == ["IN", "PO"]


def test_functional_acks_are_not_acknowledged() -> None:
    assert acks_for(decode_corpus("997/gtlogistics-997.edi")) == []


def test_generated_997s_pass_our_own_997_guide() -> None:
    for name in ["990/nodex12edi-990-accept-decline-counter.edi", "210/trenova-210-isa11-caret.edi",
                 "204/x12types-204-5010-minimal.edi", "214/canadapost-214-multi-st.edi", "856/bots-856-00403.edi"]:
        for ack in acks_for(decode_corpus(name)):
            back = decode_x12(ack.encode())
            assert back.ok, (name, [str(e) for e in back.errors])
            assert all(d.set_id == "997" and d.guided for d in back.documents)


def test_generated_999_uses_ik_segments_and_the_999_version() -> None:
    (ack,) = acks_for(decode_corpus("204/x12types-204-5010-minimal.edi"), kind="999")
    assert seg(ack, "ST")[0] == ["ST", "999", "0001", "005010X231A1"]
    assert seg(ack, "AK1")[0] == ["AK1", "SM", "1", "005010"]
    assert seg(ack, "IK5") == [["IK5", "R", "4", "5"]]
    assert ["IK4", "2", "140", "4", "B"] in seg(ack, "IK4")


def test_inbound_997_says_which_group_and_sets_were_accepted() -> None:
    doc = decode_corpus("997/gtlogistics-997.edi").documents[0]
    ack = parse_functional_ack(doc)
    assert (ack.functional_id, ack.group_control_number, ack.accepted) == ("SM", "1", True)
    assert (ack.included, ack.received, ack.accepted_count, ack.sets) == ("1", "1", "1", [])


def test_inbound_997_with_several_ak2_loops_lists_each_set() -> None:
    acks = [parse_functional_ack(d) for d in decode_corpus("997/bots-997-multi-ak2.edi").documents]
    assert len(acks) == 8 and all(a.sets for a in acks)
    assert all(s.set_id and s.control_number and s.status for a in acks for s in a.sets)


def test_inbound_5010_997_with_errors_lists_segment_and_element_detail() -> None:
    ack = parse_functional_ack(decode_corpus("997/staedi-997-5010.edi").documents[0])
    assert ack.status == "R" and not ack.sets[0].accepted
    detail = ack.sets[0].segment_errors[0]
    assert detail["segment"]["AK301"] and detail["elements"]


def test_our_own_997_round_trips_through_the_inbound_parser() -> None:
    (ack,) = acks_for(decode_corpus("990/nodex12edi-990-accept-decline-counter.edi"))
    parsed = parse_functional_ack(decode_x12(ack.encode()).documents[0])
    assert parsed.group_control_number == "742" and parsed.status == "P"
    assert [s.accepted for s in parsed.sets] == [True, True, False]


def test_build_functional_ack_and_ta1_work_per_interchange() -> None:
    ich = decode_corpus("997/staedi-997-multi-interchange.edi").interchanges[1]
    assert build_functional_ack(ich, Sequence(), when=WHEN) is None
    assert "TA1*" in build_ta1(ich, Sequence(), when=WHEN)


def test_invalid_isa07_qualifier_gets_ta1_code_007() -> None:
    (ta1,) = acks_for(decode_corpus("210/edifabric-210-freight-invoice.edi"))
    assert seg(ta1, "TA1")[0] == ["TA1", "000000263", "071216", "1406", "R", "007"]


def test_generated_999_passes_our_999_guide_and_reads_back() -> None:
    (ack,) = acks_for(decode_corpus("204/x12types-204-5010-minimal.edi"), kind="999")
    back = decode_x12(ack.encode())
    assert back.ok, [str(e) for e in back.errors]
    parsed = parse_functional_ack(back.documents[0])
    assert parsed.status == "R" and parsed.sets[0].codes == ["4", "5"]
    assert [e["IK403"] for e in parsed.sets[0].segment_errors[0]["elements"]] == ["4", "4", "5"]
