"""The document tree contract the mapping language relies on."""

from __future__ import annotations

import jmespath

from adapters.x12 import decode_x12

from .helpers import decode_corpus, decode_fixture


def test_tree_has_interchange_group_and_set_with_contract_keys() -> None:
    tree = decode_corpus("214/alnk-214-single-line.edi").documents[0].tree
    assert tree["interchange"] == {
        "sender_qualifier": "02", "sender_id": "ALNK", "receiver_qualifier": "ZZ", "receiver_id": "TRICOLINKS",
        "date": "230421", "time": "0903", "control_number": "000005215", "version": "00401",
        "ack_requested": "0", "usage": "P",
    }
    assert tree["group"] == {
        "functional_id": "QM", "sender": "ALNK", "receiver": "TRICOLINKS", "date": "20230421", "time": "0903",
        "control_number": "5215", "agency": "X", "version": "004010",
    }
    assert (tree["set"]["id"], tree["set"]["control_number"], tree["set"]["version"]) == ("214", "052150001", "004010")


def test_segments_are_always_lists_even_with_max_use_one() -> None:
    s = decode_corpus("214/alnk-214-single-line.edi").documents[0].tree["set"]
    assert s["B10"] == [{"B1001": "187676", "B1002": "857395857", "B1003": "ALNK"}]


def test_loops_are_keyed_by_first_segment_and_nest_per_guide() -> None:
    tree = decode_corpus("214/alnk-214-single-line.edi").documents[0].tree
    assert jmespath.search("set.LX_loop[].AT7_loop[].AT7[0].AT701", tree) == ["X3", "AF", "K2", "CD"]
    assert jmespath.search("set.LX_loop[1].L11[0].L1101", tree) == "99"


def test_empty_elements_are_omitted_and_values_trimmed() -> None:
    s = decode_corpus("214/canadapost-214-multi-st.edi").documents[0].tree["set"]
    b10 = s["B10"][0]
    assert b10["B1001"] == b10["B1001"].strip() and "B1004" not in b10


def test_values_are_never_converted_to_numbers() -> None:
    s = decode_corpus("214/alnk-214-single-line.edi").documents[0].tree["set"]
    assert s["LX_loop"][0]["AT8"][0]["AT803"] == "20383"


def test_composite_element_is_a_list_of_components() -> None:
    body = decode_corpus("997/gtlogistics-997.edi").documents[0].tree["set"]
    assert body["AK1"] == [{"AK101": "SM", "AK102": "1"}]
    s = decode_corpus("204/x12types-hamburgsud-204-plus-component.edi").documents[0].tree["set"]
    comps = [v for seg in s.get("NTE", []) + s.get("L11", []) for v in seg.values() if isinstance(v, list)]
    assert all(isinstance(c, str) for v in comps for c in v)


def test_repeated_element_is_a_list_of_values() -> None:
    isa = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *260101*1200*^*00501*000000001*0*P*>~"
    body = "GS*QM*A*B*20260101*1200*1*X*005010~ST*214*0001~B10*R1*S1*SCAC~L11*X^Y*BM~SE*4*0001~GE*1*1~IEA*1*000000001~"
    s = decode_x12((isa + body).encode()).documents[0].tree["set"]
    assert s["L11"] == [{"L1101": ["X", "Y"], "L1102": "BM"}]


def test_856_hl_loops_are_flat_in_document_order() -> None:
    s = decode_corpus("856/ediengine-856-crossdock-newline.edi").documents[0].tree["set"]
    levels = [loop["HL"][0]["HL03"] for loop in s["HL_loop"]]
    assert levels[:4] == ["S", "O", "P", "I"] and len(levels) == 13
    assert jmespath.search("set.HL_loop[?HL[0].HL03=='I'].LIN[0].LIN03", {"set": s})[0] == "0000000000642"


def test_unknown_set_falls_back_to_flat_body_with_a_warning() -> None:
    result = decode_corpus("810/staedi-810.edi")
    doc = result.documents[0]
    assert not doc.guided and "IT1" in doc.tree["set"] and not any(k.endswith("_loop") for k in doc.tree["set"])
    assert any("no guide for set 810" in w.message for w in result.warnings)


def test_version_comes_from_gs08_not_isa12() -> None:
    doc = decode_corpus("856/oop-856-vics-fedex.edi").documents[0]
    assert doc.tree["interchange"]["version"] == "00401" and doc.version == "004010VICS" and doc.guided


def test_document_carries_position_locator_and_raw_segments() -> None:
    result = decode_corpus("204/edilexparse-204-two-interchanges.edi")
    second = result.documents[1]
    assert second.locator.startswith("interchange ") and "/ group " in second.locator
    assert second.position.segment_index == 61 and second.position.byte_offset > 1600
    assert second.raw_segments[0][0] == "ST" and second.raw_segments[-1][0] == "SE"


def test_hand_written_204_places_stops_parties_and_orders() -> None:
    tree = decode_fixture("handwritten-204-two-stops.edi").documents[0].tree
    assert jmespath.search("set.S5_loop[].S5[0].S502", tree) == ["CL", "CU"]
    assert jmespath.search("set.S5_loop[0].N1_loop[0].N1[0].N104", tree) == "DC4"
    assert jmespath.search("set.S5_loop[0].OID_loop[0].OID[0].OID01", tree) == "SO-1"
    assert jmespath.search("set.L3[0].L301", tree) == "12000"
