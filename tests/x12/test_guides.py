"""Our guides are real pyx12 maps: generated from spec/, in sync, and usable by pyx12's own validator."""

from __future__ import annotations

import filecmp
import io
from pathlib import Path

import pyx12.params
from pyx12.x12n_document import x12n_document

from adapters.x12.guides.build import MAPS, export_pyx12_map_dir, main

from .helpers import CORPUS


def test_committed_maps_are_exactly_what_the_spec_generates(tmp_path: Path) -> None:
    main(tmp_path)
    for version in ("4010", "5010"):
        generated = sorted(p.name for p in (tmp_path / version).iterdir())
        assert generated == sorted(p.name for p in (MAPS / version).iterdir())
        _, mismatch, errors = filecmp.cmpfiles(tmp_path / version, MAPS / version, generated, shallow=False)
        assert mismatch == [] and errors == []


def run_pyx12(map_dir: Path, edi: Path) -> tuple[bool, str]:
    ack = io.StringIO()
    with edi.open(encoding="ascii") as src:
        ok = x12n_document(pyx12.params.params(), src, ack, None, None, map_path=str(map_dir))
    return bool(ok), ack.getvalue()


def test_pyx12_validates_a_clean_214_with_our_map(tmp_path: Path) -> None:
    ok, ack = run_pyx12(export_pyx12_map_dir(tmp_path / "maps"), CORPUS / "214" / "alnk-214-single-line.edi")
    assert ok and "AK5*A" in ack


def test_pyx12_rejects_the_same_fault_our_validator_finds(tmp_path: Path) -> None:
    ok, ack = run_pyx12(export_pyx12_map_dir(tmp_path / "maps"), CORPUS / "204" / "otmos-patrick-204.edi")
    assert ok and "AK5*A" in ack
    bad = tmp_path / "bad.edi"
    bad.write_text((CORPUS / "204" / "otmos-patrick-204.edi").read_text().replace("B2**TQYL", "B2**TQYLXX", 1))
    ok, ack = run_pyx12(tmp_path / "maps", bad)
    assert not ok and "AK4*2*140*5" in ack
