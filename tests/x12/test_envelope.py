"""Envelope checks: ISA/IEA, GS/GE, ST/SE structure, counts and control numbers."""

from __future__ import annotations

from adapters.x12 import GroupError, InterchangeError, TransactionSetError, decode_x12

ISA = "ISA*00*          *00*          *02*CARR           *ZZ*GATEWAY        *260101*1200*U*00401*000000007*0*P*>~"
GS = "GS*QM*CARR*GATEWAY*20260101*1200*7*X*004010~"
SET = "ST*214*0001~B10*R1*S1*CARR~SE*3*0001~"


def decode(text: str):
    return decode_x12(text.encode())


def kinds(result) -> list[tuple[str, str | None]]:
    return [(type(e).__name__, e.code) for e in result.errors]


def test_well_formed_interchange_has_no_findings() -> None:
    assert decode(ISA + GS + SET + "GE*1*7~IEA*1*000000007~").ok


def test_missing_se_is_ak5_code_2_and_the_set_is_still_decoded() -> None:
    result = decode(ISA + GS + "ST*214*0001~B10*R1*S1*CARR~GE*1*7~IEA*1*000000007~")
    assert kinds(result) == [("TransactionSetError", "2")]
    assert result.documents[0].tree["set"]["B10"][0]["B1003"] == "CARR"


def test_missing_ge_is_ak9_code_3() -> None:
    assert kinds(decode(ISA + GS + SET + "IEA*1*000000007~")) == [("GroupError", "3")]


def test_missing_iea_at_end_of_input_is_ta1_code_023() -> None:
    assert kinds(decode(ISA + GS + SET + "GE*1*7~")) == [("InterchangeError", "023")]


def test_iea01_group_count_mismatch_is_ta1_code_021() -> None:
    err = decode(ISA + GS + SET + "GE*1*7~IEA*2*000000007~").errors[0]
    assert isinstance(err, InterchangeError) and (err.code, err.element_ref) == ("021", "IEA01")


def test_duplicate_set_control_number_in_a_group_is_ak5_code_23() -> None:
    result = decode(ISA + GS + SET + SET + "GE*2*7~IEA*1*000000007~")
    err = result.errors[0]
    assert isinstance(err, TransactionSetError) and err.code == "23" and err.segment_in_file == 6


def test_duplicate_group_control_number_is_ak9_code_19() -> None:
    result = decode(ISA + GS + SET + "GE*1*7~" + GS + SET + "GE*1*7~IEA*2*000000007~")
    assert [(type(e).__name__, e.code) for e in result.errors] == [("GroupError", "19")]


def test_segment_between_sets_is_reported_against_the_group() -> None:
    result = decode(ISA + GS + SET + "N1*SH*STRAY~" + "GE*1*7~IEA*1*000000007~")
    err = result.errors[0]
    assert isinstance(err, GroupError) and err.segment_id == "N1" and "outside a transaction set" in err.why


def test_st_without_gs_is_reported_and_the_set_still_decoded() -> None:
    result = decode(ISA + SET + "IEA*1*000000007~")
    assert any("outside a functional group" in e.why for e in result.errors)
    assert result.documents[0].set_id == "214"


def test_bad_isa_fields_each_get_their_ta1_code() -> None:
    isa = ISA.replace("*260101*1200*", "*261301*2500*").replace("*0*P*", "*2*Q*")
    found = {e.code for e in decode(isa + GS + SET + "GE*1*7~IEA*1*000000007~").errors}
    assert found == {"014", "015", "019", "020"}


def test_non_numeric_group_control_number_is_ak9_code_6() -> None:
    result = decode(ISA + GS.replace("*7*X*", "*A7*X*") + SET + "GE*1*A7~IEA*1*000000007~")
    assert ("GroupError", "6") in kinds(result)


def test_every_set_is_recorded_for_the_acknowledgement() -> None:
    result = decode(ISA + GS + SET + SET.replace("0001", "0002") + "GE*2*7~IEA*1*000000007~")
    group = result.interchanges[0].groups[0]
    assert [(s.set_id, s.control_number, s.accepted) for s in group.sets] == [("214", "0001", True), ("214", "0002", True)]


def test_set_after_the_iea_is_decoded_and_its_findings_are_reported() -> None:
    result = decode(ISA + GS + SET + "GE*1*7~IEA*1*000000007~" + "ST*214*0002~B10*R1*S1*CARR~SE*9*0002~")
    assert [d.set_id for d in result.documents] == ["214", "214"]
    assert {(type(e).__name__, e.code) for e in result.errors} == {("InterchangeError", "024"), ("TransactionSetError", "4")}
