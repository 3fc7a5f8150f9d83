"""Code tables: strict loading, string codes, full X12 coverage."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from canonical.tables import DEFAULT_TABLE_DIR, TableError, load_table, load_tables

AT7_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "x12_004010_at7_status_codes.csv"


@pytest.fixture(scope="module")
def tables():
    return load_tables()


def test_expected_tables_present(tables) -> None:
    assert set(tables) >= {
        "status-taxonomy", "x12-at7-status", "x12-at7-reason", "x12-time-codes",
        "dcsa-event-codes", "easypost-status", "shippo-status", "terminal49-events",
        "units", "x12-ref-qualifiers", "x12-entity-codes", "x12-at7-appointment",
    }


def test_codes_are_strings(tables) -> None:
    for table in tables.values():
        for key, value in [*table.rows.items(), ("default", table.default)]:
            assert isinstance(key, str)
            if value is None:
                continue
            vals = value.values() if isinstance(value, dict) else [value]
            assert all(isinstance(v, str) for v in vals), (table.name, key)


@pytest.mark.skipif(not AT7_CSV.exists(), reason="shared code list not available")
@pytest.mark.parametrize("element, table", [
    ("1650", "x12-at7-status"), ("1651", "x12-at7-reason"), ("1652", "x12-at7-appointment")])
def test_every_x12_code_has_a_row(tables, element: str, table: str) -> None:
    with AT7_CSV.open(newline="", encoding="utf-8") as fh:
        codes = {r["code"] for r in csv.DictReader(fh) if r["x12_element"] == element}
    assert codes, "CSV read failed"
    assert codes - set(tables[table]) == set()


def test_x12_estimates_are_classified(tables) -> None:
    at7 = tables["x12-at7-status"]
    for code in ("AA", "AG", "B6", "C1", "X2"):
        assert at7[code]["classifier"] == "ESTIMATED"
    assert at7["D1"] == {"code": "DELIVERED", "classifier": "ACTUAL", "meaning": at7["D1"]["meaning"]}
    assert tables["x12-at7-reason"]["NS"]["code"] == "NORMAL"


def test_crosswalks_point_into_taxonomy(tables) -> None:
    taxonomy = tables["status-taxonomy"]
    for name in ("x12-at7-status", "x12-at7-appointment", "easypost-status", "shippo-status", "terminal49-events", "dcsa-event-codes"):
        for key, value in tables[name].items():
            for field in ("code", "atOrigin", "atDestination"):
                if field in value:
                    assert value[field] in taxonomy, (name, key)


def test_time_codes_resolve(tables) -> None:
    from zoneinfo import ZoneInfo
    for key, value in tables["x12-time-codes"].items():
        assert value["kind"] in ("zone", "offset", "local"), key
        if "zone" in value:
            ZoneInfo(value["zone"])
    assert tables["x12-time-codes"]["LT"]["kind"] == "local"


def test_units_lookup_case_insensitive(tables) -> None:
    from decimal import Decimal
    units = tables["units"]
    lb = units.lookup("lbs")
    assert lb["code"] == "LBR" and lb["canonical"] == "KGM"
    f = units.lookup("°f")
    c = (Decimal("212") + Decimal(f["offset"])) * Decimal(f["factor"])
    assert round(c, 6) == 100
    assert units.lookup("L")["canonical"] == "KGM"  # X12 weight qualifier: pounds
    assert units.get("furlong") is None


def test_default_and_missing(tables) -> None:
    assert tables["x12-at7-status"].lookup("QQ")["code"] == "UNKNOWN"
    with pytest.raises(KeyError):
        tables["x12-time-codes"].lookup("QQ")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / f"{name}.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize("body, line, fragment", [
    ('name: "t"\nrows:\n  021: "X"\n', 3, "must be quoted"),
    ('name: "t"\nrows:\n  "A": NO\n', 3, "must be quoted"),
    ('name: "t"\nrows:\n  "A": {code: 021}\n', 3, "must be quoted"),
    ('name: "t"\nrows:\n  "A": "X"\n  "A": "Y"\n', 4, "duplicate key"),
    ('name: "t"\nbogus: 1\nrows: {}\n', 2, "unknown header"),
    ('name: "other"\nrows: {}\n', 1, "differs from file name"),
    ('name: "t"\nmatch: "upper"\nrows:\n  "a": "X"\n', 4, "upper-case"),
])
def test_bad_tables_report_file_and_line(tmp_path: Path, body: str, line: int, fragment: str) -> None:
    path = _write(tmp_path, "t", body)
    with pytest.raises(TableError) as info:
        load_table(path)
    assert f"{path}:{line}:" in str(info.value)
    assert fragment in str(info.value)


def test_bad_ref_reports_row_line(tmp_path: Path) -> None:
    _write(tmp_path, "tax", 'name: "tax"\nrows:\n  "OK": "fine"\n')
    _write(tmp_path, "cw", 'name: "cw"\nrefs: {code: "tax"}\nrows:\n  "A": {code: "OK"}\n  "B": {code: "NOPE"}\n')
    with pytest.raises(TableError, match=r"cw.yaml:5: .*'NOPE'"):
        load_tables(tmp_path)


def test_shipped_tables_dir_has_sources_note() -> None:
    assert (DEFAULT_TABLE_DIR / "SOURCES.md").exists()


def test_units_cover_the_aliases_mappings_need(tables) -> None:
    units = tables["units"]
    for alias in ("LB", "LBS", "LBR", "L", "oz", "ONZ", "OZ", "G", "GRM", "KG", "KGM", "K", "FAH", "F", "°F",
                  "CEL", "C", "KNT", "HM", "KMH", "MTS", "SMI", "KMT", "MTR", "FOT", "INH", "CMT"):
        assert alias in units, alias
    canon = {"mass": "KGM", "temperature": "CEL", "speed": "KMH", "distance": "KMT", "length": "MTR",
             "volume": "MTQ", "percent": "P1"}
    for alias, value in units.items():
        if value["quantity"] in canon:
            assert value["canonical"] == canon[value["quantity"]], alias
