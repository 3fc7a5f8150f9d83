"""Canonical → X12 codes: the shared inbound tables read backwards, so both directions agree.

A canonical value can come from several X12 codes (DELIVERED from D1 or CD); the first row of the
table wins, which the inbound mapping reads back to the same canonical value.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from canonical.tables import Table, load_tables


@lru_cache(maxsize=1)
def tables() -> dict[str, Table]:
    """The canonical code tables, loaded once."""
    return load_tables()


def _reverse(table: str, field: str, value: str, extra: dict[str, str] | None = None) -> str | None:
    for code, row in tables()[table].items():
        if isinstance(row, dict) and row.get(field) == value and all(row.get(k) == v for k, v in (extra or {}).items()):
            return code
    return None


def status_code(status: dict[str, Any], classifier: str | None) -> tuple[str | None, str | None]:
    """(AT701, AT703) for a canonical status: the X12 code it came from when there is one."""
    source = status.get("source") or {}
    if source.get("system") == "X12" and source.get("code"):
        code = source["code"]
        # The inbound mapping only says PLANNED for AT703 appointment codes: send them back there.
        if classifier == "PLANNED" and code in tables()["x12-at7-appointment"]:
            return None, code
        return code, None
    if classifier == "PLANNED":
        appointment = _reverse("x12-at7-appointment", "code", status["code"])
        if appointment:
            return None, appointment
    wanted = "ESTIMATED" if classifier == "ESTIMATED" else "ACTUAL"
    code = _reverse("x12-at7-status", "code", status["code"], {"classifier": wanted}) or \
        _reverse("x12-at7-status", "code", status["code"])
    if code is None:
        raise ValueError(f"status {status['code']} has no X12 AT7 code")
    return code, None


def reason_code(status_or_reason: dict[str, Any] | str | None) -> str:
    """AT702 / V908 for a canonical reason; NS ("normal") when there is none."""
    if isinstance(status_or_reason, dict):
        source = status_or_reason.get("source") or {}
        if source.get("system") == "X12" and source.get("reasonCode"):
            return str(source["reasonCode"])
        status_or_reason = status_or_reason.get("reason")
    if not status_or_reason:
        return "NS"
    return _reverse("x12-at7-reason", "code", status_or_reason) or "NS"


def ref_qualifier(identifier: dict[str, Any]) -> str | None:
    """L11/N9 qualifier: the one the identifier arrived with, else the first for its type."""
    if identifier.get("qualifier"):
        return str(identifier["qualifier"])
    return _reverse("x12-ref-qualifiers", "type", identifier["type"])


def entity_code(party: dict[str, Any]) -> str | None:
    """N101 for a party: its source role, else the first entity code for its role."""
    return party.get("sourceRole") or _reverse("x12-entity-codes", "role", party["role"])


def time_code(tz: str | None, offset: str | None) -> str | None:
    """AT707/G6205 for a zone name or a fixed offset (first matching row)."""
    rows = tables()["x12-time-codes"]
    if tz:
        for code, row in rows.items():
            if isinstance(row, dict) and row.get("kind") == "zone" and row.get("zone") == tz:
                return code
    if offset:
        offset = "+00:00" if offset in ("Z", "z") else offset
        for code, row in rows.items():
            if isinstance(row, dict) and row.get("kind") == "offset" and row.get("offset") == offset:
                return code
    return None
