"""Every file of the shared corpus: the sets it holds, GS08 versions, a key value, and exactly which
findings it produces (empty for files our guides accept). Specific broken-file behaviour (where, what,
why, and the 997/TA1 sent back) is spelled out in test_corpus_faults.py and test_ack.py."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from .helpers import decode_corpus


class Case(NamedTuple):
    file: str
    sets: int
    set_ids: list[str]
    versions: list[str]
    key: tuple[str, str, str] | None
    findings: list[tuple[str, str | None, str | None]]


CASES = [
    Case('204/conard-fedex-204-newline-multi-st.edi', 6, ['204'], ['004010'], ('B2', 'B204', '1422310'), [('ElementError', '1', 'L11'), ('ElementError', '6', 'L3')]),
    Case('204/conard-koch-204-indented.edi', 1, ['204'], ['004010'], ('B2', 'B204', 'T2604874'), []),
    Case('204/dragonite-204-5010.edi', 1, ['204'], ['005010'], ('B2', 'B204', '1234567'), []),
    Case('204/edilexparse-204-two-interchanges.edi', 2, ['204'], ['004010'], ('B2', 'B204', '853355462'), [('ElementError', '13', 'G61'), ('ElementError', '13', 'L11'), ('ElementError', '13', 'N1'), ('ElementError', '13', 'NTE'), ('ElementError', '13', 'OID'), ('ElementError', '5', 'B2'), ('ElementError', '5', 'MS3')]),
    Case('204/edilexparse-unilever-204.edi', 1, ['204'], ['004010'], ('B2', 'B204', '0033324410'), []),
    Case('204/exspeedite-ruan-204-single-line.edi', 1, ['204'], ['004010'], ('B2', 'B204', 'R1062788'), []),
    Case('204/gtlogistics-204.edi', 1, ['204'], ['004010'], ('B2', 'B204', '123456789'), []),
    Case('204/otmos-patrick-204.edi', 1, ['204'], ['004010'], ('B2', 'B204', '366120'), []),
    Case('204/stupidedi-204-publix.edi', 1, ['204'], ['004010'], ('B2', 'B204', '12345678'), []),
    Case('204/x12types-204-5010-minimal.edi', 1, ['204'], ['005010'], ('B2', 'B204', 'D'), [('ElementError', '4', 'B2'), ('ElementError', '5', 'B2'), ('TransactionSetError', '4', 'SE')]),
    Case('204/x12types-hamburgsud-204-plus-component.edi', 1, ['204'], ['004010'], ('B2', 'B204', '3PHLT0XXXX'), [('ElementError', '1', 'L11'), ('ElementError', '2', 'G62'), ('SegmentError', '7', 'N7')]),
    Case('210/cn-210-sample1.edi', 1, ['210'], ['004010'], ('B3', 'B302', '28066945'), []),
    Case('210/dbschenker-210-dot-terminator.edi', 1, ['210'], ['004010X098A1'], ('B3', 'B302', '210028835'), [('ElementError', '3', 'N3'), ('ElementError', '4', 'B3'), ('ElementError', '4', 'G62'), ('GroupError', '4', 'GE'), ('SegmentError', '6', 'B2A')]),
    Case('210/eddy-210-zero-padded-trailers.edi', 1, ['210'], ['004010'], ('B3', 'B302', '2509121213'), [('InterchangeError', '001', 'IEA')]),
    Case('210/edifabric-210-freight-invoice.edi', 1, ['210'], ['004010'], ('B3', 'B302', '3410889'), [('InterchangeError', '007', 'ISA')]),
    Case('210/trenova-210-isa11-caret.edi', 1, ['210'], ['004010'], ('B3', 'B302', 'INV-4501'), [('ElementError', '1', 'B3'), ('ElementError', '4', 'B3'), ('ElementError', '5', 'B3'), ('ElementError', '6', 'L1'), ('ElementError', '6', 'L3'), ('TransactionSetError', '4', 'SE')]),
    Case('210/ups-210-pipe-terminator.edi', 5, ['210'], ['004030'], ('B3', 'B302', '0000001808WW308'), [('TransactionSetError', '4', 'SE')]),
    Case('210/x12types-210-5010-minimal.edi', 1, ['210'], ['005010'], ('B3', 'B302', 'INV123'), [('ElementError', '4', 'B3'), ('ElementError', '5', 'B3')]),
    Case('214/alnk-214-single-line.edi', 1, ['214'], ['004010'], ('B10', 'B1002', '857395857'), []),
    Case('214/canadapost-214-multi-st.edi', 19, ['214'], ['004010'], ('B10', 'B1002', '4343638097845589'), [('ElementError', '1', 'L11'), ('ElementError', '2', 'N1')]),
    Case('214/cleo-epes-214.edi', 1, ['214'], ['004010'], ('B10', 'B1002', '51496070'), []),
    Case('214/conard-koch-214-pickup.edi', 1, ['214'], ['004010'], ('B10', 'B1002', 'T2604874'), [('SegmentError', '7', 'AT7'), ('SegmentError', '7', 'MS1')]),
    Case('214/eddy-214-annotated-comments.edi', 1, ['214'], ['004010'], ('B10', 'B1002', None), [('GroupError', '3', 'GE'), ('GroupError', None, '#Tr'), ('InterchangeError', '023', 'IEA'), ('SegmentError', '1', '#Ad'), ('SegmentError', '1', '#Be'), ('SegmentError', '1', '#Eq'), ('SegmentError', '1', '#Ge'), ('SegmentError', '1', '#Id'), ('SegmentError', '1', '#Na'), ('SegmentError', '1', '#Sh'), ('SegmentError', '1', '#St'), ('SegmentError', '1', '#Tr'), ('SegmentError', '3', 'B10'), ('TransactionSetError', '4', 'SE')]),
    Case('214/edifabric-214-shipment-status.edi', 1, ['214'], ['004010'], ('B10', 'B1002', None), [('GroupError', '5', 'GE')]),
    Case('214/malformed-isa-214.edi', 1, ['214'], ['004010'], ('B10', 'B1002', None), [('ElementError', '2', 'AT7'), ('ElementError', '4', 'AT7'), ('ElementError', '4', 'N4'), ('ElementError', '5', 'AT7'), ('ElementError', '5', 'G62'), ('ElementError', '5', 'N1'), ('ElementError', '5', 'N4'), ('SegmentError', '3', 'B10'), ('SegmentError', '6', 'B2'), ('SegmentError', '6', 'R4'), ('SegmentError', '6', 'S5'), ('TransactionSetError', '4', 'SE')]),
    Case('214/otmos-rlca-214-newline.edi', 1, ['214'], ['004010'], ('B10', 'B1002', '366102'), [('TransactionSetError', '4', 'SE')]),
    Case('214/scalax12-214-tilde-element-caret-term.edi', 1, ['214'], ['004010'], ('B10', 'B1002', '5ZJ3896'), []),
    Case('214/stedi-fedex-ground-214.edi', 1, ['214'], ['004010'], ('B10', 'B1002', '4310055'), [('GroupError', '5', 'GE')]),
    Case('214/x12types-214-5010-minimal.edi', 1, ['214'], ['005010'], ('B10', 'B1002', 'SHIP1'), [('TransactionSetError', '4', 'SE')]),
    Case('810/bots-810-00403.edi', 1, ['810'], ['004010'], ('BIG', 'BIG02', '95018017'), []),
    Case('810/staedi-810.edi', 2, ['810'], ['004010'], ('BIG', 'BIG02', '00001'), []),
    Case('850/ediengine-850-syntax-notes-err.edi', 1, ['850'], ['004010'], ('BEG', 'BEG03', '08292233294'), []),
    Case('850/edifabric-850-corrupt-isa.edi', 0, [], [], None, [('InterchangeError', '022', None)]),
    Case('850/pgw-850-pipe-terminator.edi', 1, ['850'], ['004010'], ('BEG', 'BEG03', 'S41000439'), []),
    Case('856/bots-856-00403.edi', 1, ['856'], ['004010'], ('BSN', 'BSN02', '15918861602'), []),
    Case('856/ediengine-856-crossdock-newline.edi', 1, ['856'], ['004010'], ('BSN', 'BSN02', '000009'), []),
    Case('856/oop-856-003060.edi', 1, ['856'], ['003060'], ('BSN', 'BSN02', None), []),
    Case('856/oop-856-pipe-component.edi', 1, ['856'], ['004010'], ('BSN', 'BSN02', 'DELIVERYNUMBER'), [('ElementError', '5', 'N4')]),
    Case('856/oop-856-tilde-element-sep.edi', 1, ['856'], ['004010'], ('BSN', 'BSN02', '123456'), []),
    Case('856/oop-856-vics-fedex.edi', 1, ['856'], ['004010VICS'], ('BSN', 'BSN02', '521649209219'), []),
    Case('940/ediengine-940-2-ok.edi', 1, ['940'], ['004010'], ('W05', 'W0502', '35131'), []),
    Case('940/ediengine-940-control-number-mismatch.edi', 1, ['940'], ['004010'], ('W05', 'W0502', '538686'), [('GroupError', '4', 'GE'), ('InterchangeError', '001', 'IEA'), ('TransactionSetError', '3', 'SE')]),
    Case('940/ediengine-940-multi-interchange.edi', 6, ['940'], ['004010'], ('W05', 'W0502', '538686'), []),
    Case('940/ediengine-940-ok.edi', 1, ['940'], ['004010'], ('W05', 'W0502', '538686'), []),
    Case('940/simplot-940-isa00200.edi', 1, ['940'], ['004010'], ('W05', 'W0502', '01235639'), [('GroupError', '4', 'GE'), ('InterchangeError', '001', 'IEA')]),
    Case('945/interamerican-945-5010.edi', 1, ['945'], ['21'], ('W06', 'W0602', None), [('GroupError', '4', 'GE')]),
    Case('945/x12types-945-5010.edi', 1, ['945'], ['005010'], ('W06', 'W0602', 'IF102'), [('ElementError', '2', 'N1'), ('TransactionSetError', '4', 'SE')]),
    Case('990/nodex12edi-990-accept-decline-counter.edi', 3, ['990'], ['004010'], ('B1', 'B102', '1055337'), [('ElementError', '7', 'B1')]),
    Case('990/trenova-990-isa11-caret.edi', 1, ['990'], ['004010'], ('B1', 'B102', 'SHIP-1001'), []),
    Case('997/bots-997-00403-crlf.edi', 1, ['997'], ['004010'], ('AK1', 'AK102', '214'), []),
    Case('997/bots-997-multi-ak2.edi', 8, ['997'], ['004010'], ('AK1', 'AK102', '17'), []),
    Case('997/edifabric-997.edi', 1, ['997'], ['004010'], ('AK1', 'AK102', '000000001'), []),
    Case('997/gtlogistics-997.edi', 1, ['997'], ['004010'], ('AK1', 'AK102', '1'), []),
    Case('997/staedi-997-5010.edi', 1, ['997'], ['005010X230'], ('AK1', 'AK102', '000001'), []),
    Case('997/staedi-997-multi-interchange.edi', 3, ['997'], ['005010X230'], ('AK1', 'AK102', '000001'), []),
    Case('mixed/staedi-810-850-dual.edi', 3, ['810', '850'], ['003010', '004010'], ('BIG', 'BIG02', '00001'), []),
]


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_corpus_file_decodes_to_expected_sets_versions_and_findings(case: Case) -> None:
    result = decode_corpus(case.file)
    assert len(result.documents) == case.sets
    assert sorted({d.set_id for d in result.documents}) == case.set_ids
    assert sorted({d.version for d in result.documents}) == case.versions
    if case.key is not None:
        segment, element, value = case.key
        assert result.documents[0].tree["set"].get(segment, [{}])[0].get(element) == value
    found = sorted({(type(e).__name__, e.code, e.segment_id[:3] if e.segment_id else None) for e in result.errors}, key=str)
    assert found == case.findings


def test_corpus_table_covers_every_file_in_the_shared_corpus() -> None:
    from .helpers import CORPUS

    on_disk = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.edi"))
    assert sorted(c.file for c in CASES) == on_disk


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_every_finding_says_where_what_and_why(case: Case) -> None:
    for err in decode_corpus(case.file).errors:
        text = err.message
        assert err.why and err.why in text
        if err.segment_id:
            assert err.segment_id[:3] in text
        if err.set_control:
            assert f"set {err.set_control}" in text
