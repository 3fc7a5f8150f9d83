"""Trees back to segments: what outbound mappings build is written in guide order and reads back."""

from __future__ import annotations

import pytest

from adapters.x12 import GroupSpec, Party, X12Writer, decode_x12
from adapters.x12.compose import segment_from_dict, set_to_segments
from adapters.x12.errors import WriteError
from adapters.x12.guide import LoopRule, SegmentRule, default_registry

from .helpers import WHEN, decode_corpus, decode_fixture

CLEAN = ["214/alnk-214-single-line.edi", "214/cleo-epes-214.edi", "204/gtlogistics-204.edi",
         "204/stupidedi-204-publix.edi", "990/trenova-990-isa11-caret.edi", "856/bots-856-00403.edi"]


def test_segment_dict_becomes_an_element_list_with_gaps() -> None:
    assert segment_from_dict("AT7", {"AT701": "X3", "AT705": "20260101"}) == ["AT7", "X3", "", "", "", "20260101"]


def test_foreign_element_reference_is_refused() -> None:
    with pytest.raises(WriteError):
        segment_from_dict("N1", {"N301": "MAIN ST"})


@pytest.mark.parametrize("name", CLEAN)
def test_tree_written_back_reads_as_the_same_tree(name: str) -> None:
    doc = decode_corpus(name).documents[0]
    guide = default_registry().find(doc.set_id, doc.version)
    group = GroupSpec(doc.tree["group"]["functional_id"], doc.version, 1)
    group.sets.append((doc.set_id, 1, set_to_segments(doc.tree["set"], guide)))
    text = X12Writer(doc.delimiters).interchange(Party("ZZ", "A"), Party("ZZ", "B"), 1, "00401", [group], when=WHEN)
    again = decode_x12(text.encode()).documents[0].tree["set"]
    strip = {"control_number"}
    assert {k: v for k, v in again.items() if k not in strip} == {k: v for k, v in doc.tree["set"].items() if k not in strip}


def test_a_mapping_built_990_is_written_in_guide_order() -> None:
    guide = default_registry().find("990", "004010")
    tree = {"K1": [{"K101": "NO EQUIPMENT"}], "B1": [{"B101": "GWAY", "B102": "LD1", "B103": "20260102", "B104": "D"}]}
    assert [s[0] for s in set_to_segments(tree, guide)] == ["B1", "K1"]


def test_segment_the_guide_does_not_allow_is_refused() -> None:
    guide = default_registry().find("990", "004010")
    with pytest.raises(WriteError, match="ZZZ"):
        set_to_segments({"ZZZ": [{"ZZZ01": "1"}]}, guide)


def test_no_guide_loop_repeats_a_segment_id_among_its_direct_children() -> None:
    def walk(loop: LoopRule) -> None:
        ids = [c.id for c in loop.children if isinstance(c, SegmentRule)]
        assert len(ids) == len(set(ids)), loop.key
        for child in loop.children:
            if isinstance(child, LoopRule):
                walk(child)

    registry = default_registry()
    for key in registry.keys():  # noqa: SIM118 - a GuideRegistry is not a dict
        walk(registry.find(*key).body)


def test_hand_written_990_round_trips() -> None:
    doc = decode_fixture("handwritten-990-accept-decline.edi").documents[1]
    guide = default_registry().find("990", "004010")
    assert [s[0] for s in set_to_segments(doc.tree["set"], guide)] == ["B1", "N9", "K1"]


def test_list_value_is_a_composite_where_the_guide_says_so_else_a_repetition() -> None:
    from adapters.x12 import Delimiters
    from adapters.x12.compose import body_to_segments

    guide = default_registry().find("214", "005010")
    segs = body_to_segments({"L11": [{"L1101": ["X", "Y"], "L1102": "BM"}]}, guide.body)
    writer = X12Writer(Delimiters("*", ":", "~", "^"))
    assert writer.segment(segs[0][0], segs[0][1:]) == "L11*X^Y*BM~"
    ref = default_registry().find("997", "004010")
    ak4 = segment_from_dict("AK4", {"AK401": ["2", "1"], "AK403": "7"}, ref.body.children[1].children[1].children[1].composite_positions)
    assert X12Writer().segment(ak4[0], ak4[1:]) == "AK4*2>1**7~"


def test_repeated_value_without_a_repetition_separator_is_refused() -> None:
    from adapters.x12.writer import Repeated

    with pytest.raises(WriteError, match="repetition separator"):
        X12Writer().segment("L11", [Repeated(["X", "Y"]), "BM"])
