"""Validation against our guides (pyx12 maps loaded once) and per-partner overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.x12 import ElementError, SegmentError, decode_x12
from adapters.x12.errors import GuideError
from adapters.x12.guide import MAPS_DIR, GuideRegistry, default_registry
from adapters.x12.validate import load_overrides

from .helpers import FIXTURES, corpus_bytes, decode_fixture

ISA = "ISA*00*          *00*          *02*SCAC           *ZZ*SHIPPER        *260101*1200*U*00401*000000001*0*P*>~"


def one_990(b1: str, extra: str = "") -> bytes:
    body = f"ST*990*0001~{b1}~{extra}"
    count = body.count("~") + 1
    return (ISA + f"GS*GF*SCAC*SHIPPER*20260101*1200*1*X*004010~{body}SE*{count}*0001~GE*1*1~IEA*1*000000001~").encode()


def test_guides_exist_for_transport_sets_in_4010_and_corpus_5010_versions() -> None:
    keys = set(default_registry().keys())
    for set_id in ("204", "214", "210", "990", "997", "856", "940", "945"):
        assert (set_id, "004010") in keys
    for set_id in ("204", "210", "214", "945", "997"):
        assert (set_id, "005010") in keys


def test_guides_are_loaded_once_per_process() -> None:
    assert default_registry() is default_registry()


def test_guide_lookup_matches_gs08_variants_by_base_version() -> None:
    reg = default_registry()
    assert reg.find("210", "004010X098A1") is reg.find("210", "004010")
    assert reg.find("214", "004030") is None


def test_guide_is_compiled_from_the_pyx12_map_files() -> None:
    reg = GuideRegistry.load(MAPS_DIR)
    guide = reg.find("214", "004010")
    assert guide is not None and guide.body.children[0].id == "B10"
    assert (MAPS_DIR / "4010" / "214.4010.xml").read_text().count('<loop xid="LX_LOOP"') == 1


def test_clean_hand_written_990_has_no_findings() -> None:
    result = decode_fixture("handwritten-990-accept-decline.edi")
    assert result.ok and [d.tree["set"]["B1"][0]["B104"] for d in result.documents] == ["A", "D"]


def test_mandatory_element_missing_is_ak4_code_1() -> None:
    err = decode_x12(one_990("B1*SCAC**20260101*A")).errors[0]
    assert isinstance(err, ElementError) and (err.code, err.element_ref, err.segment_in_set) == ("1", "B102", 2)


def test_element_too_long_is_ak4_code_5_with_the_bad_value() -> None:
    err = decode_x12(one_990("B1*ABCDEF*LD1*20260101*A")).errors[0]
    assert (err.code, err.element_ref, err.bad_value) == ("5", "B101", "ABCDEF")
    assert "longer than the maximum 4" in err.why


def test_invalid_date_is_ak4_code_8() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20261340*A")).errors[0]
    assert (err.code, err.element_ref) == ("8", "B103")


def test_code_not_in_list_is_ak4_code_7() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20260101*Q")).errors[0]
    assert (err.code, err.data_element) == ("7", "558")


def test_too_many_elements_is_ak4_code_3() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20260101*A*EXTRA")).errors[0]
    assert (err.code, err.element) == ("3", 5)


def test_unknown_segment_is_ak3_code_6_and_kept_in_the_tree() -> None:
    result = decode_x12(one_990("B1*SCAC*LD1*20260101*A", "ZZZ*1~"))
    err = result.errors[0]
    assert isinstance(err, SegmentError) and (err.code, err.segment_id, err.segment_in_set) == ("6", "ZZZ", 3)
    assert result.documents[0].tree["set"]["ZZZ"] == [{"ZZZ01": "1"}]


def test_segment_out_of_order_is_ak3_code_7() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20260101*A", "K1*FIRST~N9*CN*123~")).errors[0]
    assert (err.code, err.segment_id) == ("7", "N9")


def test_segment_over_max_use_is_ak3_code_5() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20260101*A", "G62*68*20260101~G62*69*20260102~")).errors[0]
    assert (err.code, err.segment_id, err.segment_in_set) == ("5", "G62", 4)


def test_missing_mandatory_segment_is_ak3_code_3() -> None:
    result = decode_fixture("handwritten-204-errors.edi")
    assert any(isinstance(e, SegmentError) and e.code == "3" and e.segment_id == "B2A" for e in result.errors)


def test_partner_override_adds_a_code() -> None:
    data = corpus_bytes("990/nodex12edi-990-accept-decline-counter.edi")
    assert not decode_x12(data).ok
    assert decode_x12(data, overrides={"990": {"elements": {"B104": {"add_codes": ["C"]}}}}).ok


def test_partner_override_allows_an_extra_segment_anywhere() -> None:
    data = one_990("B1*SCAC*LD1*20260101*A", "ZZZ*1~")
    assert decode_x12(data, overrides={"990": {"allow_segments": ["ZZZ"]}}).ok


def test_partner_override_changes_usage_and_max_use() -> None:
    data = one_990("B1*SCAC*LD1*20260101*A", "G62*68*20260101~G62*69*20260102~")
    assert decode_x12(data, overrides={"990": {"segments": {"G62": {"max_use": 2}}}}).ok
    relaxed = decode_x12(one_990("B1*SCAC**20260101*A"), overrides={"990": {"elements": {"B102": {"usage": "S"}}}})
    assert relaxed.ok


def test_overrides_load_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "partner.yaml"
    path.write_text('"990":\n  elements:\n    B104: {add_codes: [C]}\n')
    data = corpus_bytes("990/nodex12edi-990-accept-decline-counter.edi")
    assert decode_x12(data, overrides=load_overrides(path)).ok


def test_override_naming_an_unknown_element_is_a_guide_error() -> None:
    with pytest.raises(GuideError, match="B199"):
        decode_x12(one_990("B1*SCAC*LD1*20260101*A"), overrides={"990": {"elements": {"B199": {"usage": "S"}}}})


def test_override_does_not_change_the_shared_guide() -> None:
    decode_x12(one_990("B1*SCAC*LD1*20260101*C"), overrides={"990": {"elements": {"B104": {"add_codes": ["C"]}}}})
    assert not decode_x12(one_990("B1*SCAC*LD1*20260101*C")).ok


def test_validation_can_be_switched_off_for_tree_only_decoding() -> None:
    result = decode_x12(one_990("B1*ABCDEF*LD1*20260101*Q"), validate=False)
    assert result.ok and result.documents[0].tree["set"]["B1"][0]["B101"] == "ABCDEF"


def test_hand_written_fixtures_are_documented() -> None:
    listed = (FIXTURES / "SOURCES.md").read_text()
    for path in FIXTURES.glob("*.edi"):
        assert path.name in listed


def test_partner_override_accepts_a_private_isa_qualifier() -> None:
    data = corpus_bytes("210/edifabric-210-freight-invoice.edi")
    assert [e.code for e in decode_x12(data).errors] == ["007"]
    assert decode_x12(data, overrides={"envelope": {"ISA07": ["1B"]}}).ok


def test_scac_qualifier_02_is_accepted_without_any_override() -> None:
    assert decode_x12(corpus_bytes("214/alnk-214-single-line.edi")).interchanges[0].header["sender_qualifier"] == "02"
    assert decode_x12(corpus_bytes("214/alnk-214-single-line.edi")).ok


def test_paired_elements_syntax_note_is_ak4_code_2() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20260101*A", "G62*68*20260101*2~")).errors[0]
    assert (err.code, err.element_ref) == ("2", "G6204") and "syntax P0304" in err.why


def test_at_least_one_of_syntax_note_is_ak4_code_2() -> None:
    err = decode_x12(corpus_bytes("945/x12types-945-5010.edi")).errors
    assert any(e.code == "2" and e.element_ref == "N102" and "R0203" in e.why for e in err)


def test_conditional_syntax_note_is_ak4_code_2() -> None:
    err = decode_x12(one_990("B1*SCAC*LD1*20260101*A", "N9*CN*123****TZ~")).errors[0]
    assert (err.code, err.element_ref) == ("2", "N905") and "C0605" in err.why


def test_segments_with_empty_elements_give_the_same_dicts_per_shape_and_past_the_shape_limit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.x12 import validate

    def v9_of(v9: str) -> dict[str, str]:
        result = decode_x12(one_990("B1*SCAC*LD1*20260101*A", v9 + "~"))
        assert result.documents[0].accepted
        return result.documents[0].tree["set"]["V9"][0]

    def expected(v9: str) -> dict[str, str]:
        return {f"V9{i:02d}": v for i, v in enumerate(v9.split("*")) if i and v}

    shaped = ["V9*AAO*PICKUP*20260102*1200", "V9*AAO**20260102*1200", "V9*AAO*PICKUP**1200", "V9*AAO**20260102*1200"]
    assert [v9_of(v9) for v9 in shaped] == [expected(v9) for v9 in shaped]
    monkeypatch.setattr(validate, "MAX_SHAPES", 0)  # shapes not seen yet are paired generically
    generic = ["V9*AAO***1200", "V9*AAO*PICKUP*20260102**CITY"]
    assert [v9_of(v9) for v9 in generic] == [expected(v9) for v9 in generic]


def test_a_shape_that_fails_a_syntax_note_is_reported_each_time_and_a_passing_one_never() -> None:
    failing = one_990("B1*SCAC*LD1*20260101*A", "G62*68*20260101*2~")
    passing = one_990("B1*SCAC*LD1*20260101*A", "G62*68*20260101*2*1200~")
    notes = [[e.why.endswith("(syntax P0304)") for e in decode_x12(body).errors] for body in (failing, passing, failing, passing)]
    assert notes == [[True], [], [True], []]


def _maps_copy(tmp_path: Path, listing: str) -> Path:
    """A 4010 maps directory holding our 214 map and a broken 204 map, indexed by ``listing``."""
    version = tmp_path / "4010"
    version.mkdir()
    for name in ("214.4010.xml", "dataele.xml", "codes.xml"):
        if (MAPS_DIR / "4010" / name).exists():
            (version / name).write_bytes((MAPS_DIR / "4010" / name).read_bytes())
    (version / "204.4010.xml").write_text("<transaction id='204'><unclosed>")
    (version / "maps.xml").write_text(f"<maps><version icvn='00401'>{listing}</version></maps>")
    return tmp_path


def test_a_guide_is_read_when_a_set_first_needs_it_so_an_unused_broken_map_costs_nothing(tmp_path: Path) -> None:
    maps = _maps_copy(tmp_path, '<map vriic="004010" fic="QM" abbr="214">214.4010.xml</map>'
                                '<map vriic="004010" fic="SM" abbr="204">204.4010.xml</map>')
    reg = GuideRegistry.load(maps)
    assert reg.keys() == [("204", "004010"), ("214", "004010")]
    guide = reg.find("214", "004010")
    assert guide is not None and guide.body.children[0].id == "B10"
    assert reg.find("214", "004010X000") is guide
    with pytest.raises(GuideError, match=r"4010/204.4010.xml: cannot read this guide's map: no element found"):
        reg.find("204", "004010")


def test_a_maps_index_naming_the_wrong_set_for_a_map_is_a_guide_error(tmp_path: Path) -> None:
    maps = _maps_copy(tmp_path, '<map vriic="004010" fic="SM" abbr="204">214.4010.xml</map>')
    with pytest.raises(GuideError, match=r"lists 214\.4010\.xml as set 204, but the map defines set 214"):
        GuideRegistry.load(maps).find("204", "004010")
