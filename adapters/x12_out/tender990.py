"""X12 990s from tender.responses (which the ``tender-decision`` mapping makes from a planner's or
a rule's decision on a load tender).

A 990 says less than a tender.response: B103 is a date only, so ``respondedAt`` is sent as its
date; a CONDITIONAL decision (counter-offer) has no code in element 558 and is refused; a word of
the reason text longer than a K1 element (30 characters) is split across two, and a reader sees
a space there.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.x12_out import codes
from adapters.x12_out.envelope import interchange
from adapters.x12_out.settings import NextControlNumber, OutboundError, PartnerSettings
from adapters.x12_out.times import x12_datetime

_DECISIONS = {"ACCEPTED": "A", "DECLINED": "D"}
_K1_WIDTH = 30  # element 61 is AN 1-30; K1 holds two of them
_K1_MAX = 10


def build_990(responses: Sequence[dict[str, Any]], settings: PartnerSettings, next_control_number: NextControlNumber,
              when: datetime | None = None) -> bytes:
    """One 990 interchange (a set per response) for these tender.response ``data`` objects."""
    return interchange(settings, "GF", "990", [_body(r, settings) for r in responses], next_control_number,
                       when or datetime.now(UTC))


def _body(response: dict[str, Any], settings: PartnerSettings) -> list[list[str]]:
    decision = _DECISIONS.get(response["decision"])
    if decision is None:
        raise OutboundError(f"load {response['loadId']}: a 990 cannot say {response['decision']} (element 558 has A/D)")
    scac = _scac(response) or settings.scac
    if not scac:
        raise OutboundError(f"load {response['loadId']}: no carrier SCAC for B101")
    day = x12_datetime(response["respondedAt"])[0] if response.get("respondedAt") else datetime.now(UTC).strftime("%Y%m%d")
    body = [["B1", scac, response["loadId"], day, decision]]
    for ident in response.get("identifiers", []):
        qualifier = codes.ref_qualifier(ident)
        if ident["type"] != "loadId" and qualifier:
            body.append(["N9", qualifier, ident["value"]])
    if response.get("pickupAt"):
        pday, clock, code = x12_datetime(response["pickupAt"])
        body.append(["G62", "10", pday, "Y" if clock else "", clock or "", code or ""])
    if response.get("reason"):
        # V901 says what the V9 reports; V908 carries the reason (element 1651, the AT7 reason list).
        body.append(["V9", "DEC" if decision == "D" else "ACC", "", "", "", "", "", "", codes.reason_code(response["reason"])])
    chunks = textwrap.wrap(response.get("reasonText", ""), _K1_WIDTH)
    if len(chunks) > 2 * _K1_MAX:
        raise OutboundError(f"load {response['loadId']}: reason text longer than {2 * _K1_MAX} K1 elements")
    body += [["K1", *chunks[i:i + 2]] for i in range(0, len(chunks), 2)]
    return body


def _scac(response: dict[str, Any]) -> str | None:
    for pid in (response.get("carrier") or {}).get("ids", []):
        if pid.get("scheme") == "SCAC":
            return str(pid["value"])
    return None
