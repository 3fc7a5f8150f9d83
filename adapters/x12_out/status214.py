"""shipment.status events → X12 214 for partners who want EDI status.

One 214 per shipment (events grouped by subject, in their order), one LX with one AT7 loop per
event; identifiers every event of the shipment shares go to the header L11s, the rest to the LX.
Translating the output with the x12-214 mapping gives back the events' status codes,
identifiers, times, locations, equipment, parties and weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from adapters.x12_out import codes
from adapters.x12_out.envelope import interchange
from adapters.x12_out.settings import NextControlNumber, OutboundError, PartnerSettings
from adapters.x12_out.times import x12_datetime

# B10 carries these two; the inbound mapping tags them with their element as qualifier.
_B10 = {"B1001", "B1002"}


def build_214(events: Sequence[dict[str, Any]], settings: PartnerSettings, next_control_number: NextControlNumber,
              when: datetime | None = None) -> bytes:
    """A whole 214 interchange for these shipment.status ``data`` objects."""
    shipments: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        shipments.setdefault(event["subject"]["value"], []).append(event)
    bodies = [_shipment(subject, group, settings) for subject, group in shipments.items()]
    return interchange(settings, "QM", "214", bodies, next_control_number, when or datetime.now(UTC))


def _shipment(subject: str, events: list[dict[str, Any]], settings: PartnerSettings) -> list[list[str]]:
    first = events[0]
    ids = first.get("identifiers", [])
    pro = _find(ids, qualifier="B1001") or _find(ids, type_="pro")
    shipper = _find(ids, qualifier="B1002") or _find(ids, type_="shipperReference")
    scac = _scac(first) or settings.scac
    if not scac:
        raise OutboundError(f"shipment {subject}: no carrier SCAC for B1003 (no CARRIER party, no settings.scac)")
    b10 = ["B10", pro["value"] if pro else ("" if shipper else subject), shipper["value"] if shipper else "", scac]
    body: list[list[str]] = [b10]
    shared = [i for i in ids if i is not pro and i is not shipper and all(i in e.get("identifiers", []) for e in events)]
    body += _l11(shared)
    body += _parties(first.get("parties", []))
    mode = (first.get("conveyance") or {}).get("modeCode")
    if mode:
        body.append(["MS3", scac, "B", "", mode])  # MS302 B: the routing says "origin/delivery carrier"
    for number, event in enumerate(events, 1):
        body += _lx(number, event, [i for i in event.get("identifiers", []) if i not in shared and i is not pro
                                    and i is not shipper and i.get("qualifier") not in _B10])
    return body


def _lx(number: int, event: dict[str, Any], own_ids: list[dict[str, Any]]) -> list[list[str]]:
    status = event["status"]
    try:
        at701, at703 = codes.status_code(status, event.get("classifier"))
    except ValueError as exc:
        raise OutboundError(f"{event['subject']['value']}: {exc}") from None
    reason = codes.reason_code(status)
    day, clock, code = x12_datetime(event["occurredAt"])
    at7 = ["AT7", at701 or "", reason if at701 else "", at703 or "", reason if at703 else "", day, clock or "", code or ""]
    out = [["LX", str(number)], at7]
    address = (event.get("location") or {}).get("address") or {}
    if address.get("city") or address.get("region"):
        out.append(["MS1", address.get("city", ""), address.get("region", ""), address.get("countryCode", "")])
    equipment = event.get("equipment") or {}
    if equipment.get("initial") and equipment.get("number"):
        out.append(["MS2", equipment["initial"], equipment["number"], equipment.get("typeCode", "")])
    out += _l11(own_ids)
    for m in event.get("measurements", []):
        if m.get("kind") in ("grossWeight", "netWeight", "weight"):
            out.append(_at8(m))
    return out


def _at8(m: dict[str, Any]) -> list[str]:
    # Send the weight as the source said it when we know (pounds stay pounds), else kilograms.
    source = m.get("source") or {}
    value, unit = (source["value"], source["unit"]) if source.get("unit") in ("L", "K") else (m["value"], "K")
    qualifier = {"grossWeight": "G", "netWeight": "N"}.get(m["kind"], "A")
    return ["AT8", qualifier, unit, _number(value)]


def _number(value: Any) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _l11(identifiers: Iterable[dict[str, Any]]) -> list[list[str]]:
    out = []
    for ident in identifiers:
        qualifier = codes.ref_qualifier(ident)
        if qualifier and qualifier not in _B10:  # an identifier X12 has no qualifier for is not sent
            out.append(["L11", ident["value"], qualifier])
    return out


def _parties(parties: Iterable[dict[str, Any]]) -> list[list[str]]:
    out: list[list[str]] = []
    for party in parties:
        if party["role"] == "CARRIER" and not party.get("sourceRole"):
            continue  # the carrier travels in B10
        code = codes.entity_code(party)
        if not code:
            continue
        pid = (party.get("ids") or [{}])[0]
        out.append(["N1", code, party.get("name", ""), _id_qualifier(pid) if pid.get("value") else "", pid.get("value", "")])
        address = party.get("address") or {}
        lines = address.get("lines", [])
        out.extend(["N3", *lines[i:i + 2]] for i in range(0, min(len(lines), 4), 2))
        if any(address.get(k) for k in ("city", "region", "postalCode", "countryCode")):
            out.append(["N4", address.get("city", ""), address.get("region", ""), address.get("postalCode", ""),
                        address.get("countryCode", "")])
    return out


def _id_qualifier(pid: dict[str, Any]) -> str:
    """N103: the X12 qualifier the id arrived with (kept as issuer), else the one for its scheme."""
    issuer = pid.get("issuer") or ""
    if 1 <= len(issuer) <= 2:
        return issuer
    return {"DUNS": "1", "SCAC": "2", "GLN": "UL"}.get(pid.get("scheme", ""), "ZZ")


def _scac(event: dict[str, Any]) -> str | None:
    for party in event.get("parties", []):
        if party["role"] == "CARRIER":
            for pid in party.get("ids", []):
                if pid.get("scheme") == "SCAC":
                    return pid["value"]
    return None


def _find(ids: list[dict[str, Any]], type_: str | None = None, qualifier: str | None = None) -> dict[str, Any] | None:
    for ident in ids:
        if (qualifier and ident.get("qualifier") == qualifier) or (type_ and not qualifier and ident["type"] == type_):
            return ident
    return None
