"""Broken corpus files: each fault is reported where it is, what it is and why, with its X12 code."""

from __future__ import annotations

from adapters.x12 import GroupError, InterchangeError, SegmentError, TransactionSetError

from .helpers import decode_corpus


def only(result, kind, code):
    found = [e for e in result.errors if isinstance(e, kind) and e.code == code]
    assert len(found) >= 1, [str(e) for e in result.errors]
    return found[0]


def test_ups_210_first_invoice_se01_count_is_wrong_and_located() -> None:
    err = only(decode_corpus("210/ups-210-pipe-terminator.edi"), TransactionSetError, "4")
    assert (err.interchange, err.group, err.set_control) == ("000002838", "2767", "000158669")
    assert err.element_ref == "SE01" and err.segment_in_set == 48
    assert "SE01 says '46' segments but the set has 48" in err.message


def test_ediengine_940_control_numbers_mismatch_on_all_three_levels() -> None:
    result = decode_corpus("940/ediengine-940-control-number-mismatch.edi")
    assert "SE02 '0002' does not match ST02 '0001'" in only(result, TransactionSetError, "3").message
    assert "GE02 '3315' does not match GS06 '3314'" in only(result, GroupError, "4").message
    assert "IEA02 '000003439' does not match ISA13 '000003438'" in only(result, InterchangeError, "001").message


def test_unpadded_iea02_equal_to_isa13_is_tolerated_with_a_warning() -> None:
    result = decode_corpus("940/ediengine-940-multi-interchange.edi")
    assert result.ok
    assert any("without zero padding" in w.message for w in result.warnings)


def test_edifabric_214_ge01_counts_two_sets_for_one() -> None:
    err = only(decode_corpus("214/edifabric-214-shipment-status.edi"), GroupError, "5")
    assert err.element_ref == "GE01" and "holds 1" in err.why


def test_edifabric_214_wrong_functional_id_in_gs01_is_a_warning() -> None:
    result = decode_corpus("214/edifabric-214-shipment-status.edi")
    assert any("GS01 'IN' is not the functional id 'QM'" in w.message for w in result.warnings)


def test_corrupt_isa_850_yields_no_interchange_and_code_022() -> None:
    result = decode_corpus("850/edifabric-850-corrupt-isa.edi")
    assert result.documents == [] and result.interchanges == []
    assert only(result, InterchangeError, "022").byte_offset == 0


def test_malformed_isa_214_is_read_but_its_204_like_body_is_rejected() -> None:
    result = decode_corpus("214/malformed-isa-214.edi")
    assert any("ISA is 104 characters" in w.message for w in result.warnings)
    not_in_guide = {e.segment_id for e in result.errors if isinstance(e, SegmentError) and e.code == "6"}
    assert not_in_guide == {"B2", "S5", "R4"}
    missing = only(result, SegmentError, "3")
    assert missing.segment_id == "B10" and "mandatory segment B10 is missing" in missing.why


def test_koch_214_status_outside_an_lx_loop_is_out_of_sequence() -> None:
    err = only(decode_corpus("214/conard-koch-214-pickup.edi"), SegmentError, "7")
    assert err.segment_id == "AT7" and err.segment_in_set == 6 and err.segment_in_file == 8


def test_eddy_214_comment_lines_are_not_segments_and_trailers_are_missing() -> None:
    result = decode_corpus("214/eddy-214-annotated-comments.edi")
    assert only(result, SegmentError, "1").why.startswith("'#")
    assert "no IEA trailer" in only(result, InterchangeError, "023").why
    assert "no GE trailer" in only(result, GroupError, "3").why


def test_990_counter_offer_b104_c_is_not_a_code_of_element_558() -> None:
    err = next(iter(decode_corpus("990/nodex12edi-990-accept-decline-counter.edi").errors))
    assert (err.set_control, err.element_ref, err.data_element, err.code, err.bad_value) == ("30000742", "B104", "558", "7", "C")


def test_x12types_5010_minimal_files_report_their_se01_count() -> None:
    for name, declared, actual in [
        ("204/x12types-204-5010-minimal.edi", 4, 5),
        ("214/x12types-214-5010-minimal.edi", 3, 4),
        ("945/x12types-945-5010.edi", 12, 16),
    ]:
        err = only(decode_corpus(name), TransactionSetError, "4")
        assert f"SE01 says '{declared}' segments but the set has {actual}" in err.why


def test_interamerican_945_extra_gs_element_gives_unknown_version_and_flat_body() -> None:
    result = decode_corpus("945/interamerican-945-5010.edi")
    doc = result.documents[0]
    assert doc.version == "21" and not doc.guided
    assert "W06" in doc.tree["set"] and "N1_loop" not in doc.tree["set"]
    assert any("no guide for set 945 version '21'" in w.message for w in result.warnings)


def test_edifabric_210_isa07_qualifier_1b_is_not_an_i05_code_ta1_007() -> None:
    err = only(decode_corpus("210/edifabric-210-freight-invoice.edi"), InterchangeError, "007")
    assert (err.element_ref, err.bad_value) == ("ISA07", "1B")
