"""Acknowledgements: 997/999 per functional group, TA1 for broken envelopes, and reading inbound 997s.

The outbound envelope mirrors the inbound one: parties swapped, ISA12 and GS08 exactly as the partner
sent them, the partner's own delimiters. Control numbers come from the caller's sequence
(``next_control_number(partner_key, kind)``, kinds ``ISA``, ``GS``, ``ST``) so the store can persist them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.x12.decode import X12DecodeResult, X12Document
from adapters.x12.envelope import GroupRecord, InterchangeRecord, SetRecord
from adapters.x12.errors import (
    ElementError,
    GroupError,
    InterchangeError,
    SegmentError,
    TransactionSetError,
    WriteError,
    X12Error,
)
from adapters.x12.tokenizer import Delimiters
from adapters.x12.writer import GroupSpec, Party, X12Writer

NextControlNumber = Callable[[str, str], int]
_999_VERSION = "005010X231A1"


def partner_key(interchange: InterchangeRecord) -> str:
    """The key a partner's control-number sequences are stored under: ISA05:ISA06 of the inbound sender."""
    h = interchange.header
    return f"{h.get('sender_qualifier', '')}:{h.get('sender_id', '')}"


def _clean(value: str, delims: Delimiters, limit: int = 99) -> str:
    for ch in (delims.element, delims.component, delims.segment, delims.repetition):
        if ch:
            value = value.replace(ch, " ")
    return value.strip()[:limit]


def _set_body(record: SetRecord, delims: Delimiters, kind: str, set_version: str | None) -> list[list[Any]]:
    """AK2 loop (AK2, AK3/AK4 or IK3/IK4, AK5/IK5) for one inbound set."""
    seg3, seg4, seg5 = ("AK3", "AK4", "AK5") if kind == "997" else ("IK3", "IK4", "IK5")
    ak2: list[Any] = ["AK2", record.set_id or "000", record.control_number or "0000"]
    if set_version:
        ak2.append(set_version)
    out: list[list[Any]] = [ak2]
    set_codes: list[str] = []
    by_segment: dict[int, list[X12Error]] = {}
    for err in record.errors:
        if isinstance(err, TransactionSetError):
            if err.code and err.code not in set_codes:
                set_codes.append(err.code)
        elif isinstance(err, (SegmentError, ElementError)) and err.segment_in_set is not None:
            by_segment.setdefault(err.segment_in_set, []).append(err)
    for position in sorted(by_segment):
        errs = by_segment[position]
        seg_err = next((e for e in errs if isinstance(e, SegmentError)), None)
        seg_id = (seg_err or errs[0]).segment_id or "UNK"
        code = seg_err.code if seg_err is not None else "8"
        out.append([seg3, _clean(seg_id, delims, 3), str(position), "", code or "8"])
        for err in errs:
            if not isinstance(err, ElementError):
                continue
            pos: Any = str(err.element or 1)
            if err.component:
                pos = [str(err.element), str(err.component)]
            ref = err.data_element if err.data_element and err.data_element.isdigit() else ""
            out.append([seg4, pos, ref, err.code or "1", _clean(err.bad_value or "", delims)])
    if by_segment and "5" not in set_codes:
        set_codes.append("5")
    status = "R" if record.errors else "A"
    out.append([seg5, status, *set_codes[:5]])
    return out


def _group_body(group: GroupRecord, delims: Delimiters, kind: str) -> list[list[Any]]:
    """The body of one 997/999 acknowledging ``group``."""
    five = group.version.startswith("005")
    ak1: list[Any] = ["AK1", group.functional_id or "XX", group.control_number or "0"]
    if five or kind == "999":
        ak1.append(group.version)
    body = [ak1]
    accepted = 0
    for record in group.sets:
        set_version = group.version if kind == "999" else None
        body.extend(_set_body(record, delims, kind, set_version))
        accepted += record.accepted
    codes = [e.code for e in group.errors if isinstance(e, GroupError) and e.code]
    received = len(group.sets)
    declared = group.trailer_count if group.trailer_count and group.trailer_count.isdigit() else str(received)
    if codes or accepted == 0:
        status = "R"
    elif accepted < received:
        status = "P"
    else:
        status = "A"
    body.append(["AK9", status, str(int(declared)), str(received), str(accepted), *dict.fromkeys(codes).keys()][:10])
    return body


def build_functional_ack(
    interchange: InterchangeRecord,
    next_control_number: NextControlNumber,
    *,
    kind: str = "997",
    when: datetime | None = None,
    line_break: str = "",
) -> str | None:
    """A 997 (or 999) interchange acknowledging every group of ``interchange`` (None if nothing to ack).

    Functional acknowledgement groups (GS01 FA) are never acknowledged.
    """
    if kind not in ("997", "999"):
        raise ValueError(f"kind must be 997 or 999, not {kind!r}")
    groups = [g for g in interchange.groups if g.functional_id != "FA"]
    if not groups:
        return None
    key = partner_key(interchange)
    delims = interchange.delimiters
    specs = []
    for group in groups:
        version = _999_VERSION if kind == "999" else group.version
        spec = GroupSpec("FA", version, next_control_number(key, "GS"), set_version=_999_VERSION if kind == "999" else None)
        spec.sets.append((kind, next_control_number(key, "ST"), _group_body(group, delims, kind)))
        specs.append(spec)
    writer = X12Writer(delims, line_break)
    h = interchange.header
    return writer.interchange(
        _party(h, "receiver", groups[0].header.get("receiver", "")),
        _party(h, "sender", groups[0].header.get("sender", "")),
        next_control_number(key, "ISA"),
        h.get("version") or "00401",
        specs,
        usage=h.get("usage") or "P",
        when=when,
    )


def _party(header: dict[str, str], side: str, application: str) -> Party:
    return Party(header.get(f"{side}_qualifier", "ZZ") or "ZZ", header.get(f"{side}_id", ""), application)


def build_ta1(
    interchange: InterchangeRecord,
    next_control_number: NextControlNumber,
    *,
    when: datetime | None = None,
    line_break: str = "",
) -> str:
    """A TA1 interchange: R with the first envelope error code, or A/000 when the envelope is fine."""
    h = interchange.header
    codes = [e.code for e in interchange.errors if isinstance(e, InterchangeError) and e.code]
    status, code = ("R", codes[0]) if codes else ("A", "000")
    control = h.get("control_number", "") or "0"
    control = control.zfill(9) if control.isdigit() else "000000000"
    ta1 = ["TA1", control, h.get("date", "") or "000000", h.get("time", "") or "0000", status, code]
    writer = X12Writer(interchange.delimiters, line_break)
    return writer.interchange(
        _party(h, "receiver", ""), _party(h, "sender", ""), next_control_number(partner_key(interchange), "ISA"),
        h.get("version") or "00401", [], usage=h.get("usage") or "P", when=when, extra=[(ta1[0], ta1[1:])],
    )


def build_acknowledgements(
    result: X12DecodeResult,
    next_control_number: NextControlNumber,
    *,
    kind: str = "997",
    when: datetime | None = None,
    line_break: str = "",
) -> list[str]:
    """Everything to send back for one decoded input: a TA1 for each interchange whose envelope is
    broken or that asked for one (ISA14=1), and a 997/999 for each interchange that is readable.

    An interchange whose own ISA cannot be mirrored (sender id too long, holds a delimiter) gets no
    acknowledgement; the :class:`WriteError` saying why is appended to ``result.errors``.
    """
    out: list[str] = []
    for ich in result.interchanges:
        envelope_broken = any(isinstance(e, InterchangeError) and e.code for e in ich.errors)
        try:
            if envelope_broken or ich.header.get("ack_requested") == "1":
                out.append(build_ta1(ich, next_control_number, when=when, line_break=line_break))
            if not envelope_broken:
                ack = build_functional_ack(ich, next_control_number, kind=kind, when=when, line_break=line_break)
                if ack is not None:
                    out.append(ack)
        except WriteError as exc:
            exc.interchange = ich.control_number
            exc.why = f"no acknowledgement sent: {exc.why}"
            result.errors.append(exc)
    return out


@dataclass(slots=True)
class SetAck:
    """One AK2 loop of an inbound 997/999: which set, accepted or not, and why."""

    set_id: str
    control_number: str
    status: str
    codes: list[str] = field(default_factory=list)
    segment_errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


@dataclass(slots=True)
class GroupAck:
    """What a partner's 997/999 says about one of our functional groups."""

    from_sender: str
    to_receiver: str
    functional_id: str
    group_control_number: str
    status: str
    included: str
    received: str
    accepted_count: str
    codes: list[str]
    sets: list[SetAck]

    @property
    def accepted(self) -> bool:
        return self.status in ("A", "E")


def parse_functional_ack(doc: X12Document) -> GroupAck:
    """Read an inbound 997 or 999: which group (GS06 we sent) and which of its sets were accepted."""
    if doc.set_id not in ("997", "999") or not doc.guided:
        raise TransactionSetError(f"set {doc.set_id} ({doc.version}) is not a 997/999 we have a guide for", code="6", set_id=doc.set_id)
    seg3, seg4, seg5 = ("AK3", "AK4", "AK5") if doc.set_id == "997" else ("IK3", "IK4", "IK5")
    s = doc.tree["set"]
    ak1 = (s.get("AK1") or [{}])[0]
    ak9 = (s.get("AK9") or [{}])[0]
    sets = []
    for loop in s.get("AK2_loop", []):
        ak2 = loop["AK2"][0]
        ak5 = (loop.get(seg5) or [{}])[0]
        status = ak5.get(f"{seg5}01", "")
        codes = [v for k, v in sorted(ak5.items()) if k != f"{seg5}01"]
        errors = []
        for seg_loop in loop.get(f"{seg3}_loop", []):
            elements = seg_loop.get(seg4, []) + [e for sub in seg_loop.get(f"{seg4}_loop", []) for e in sub.get(seg4, [])]
            errors.append({"segment": seg_loop[seg3][0], "elements": elements})
        sets.append(SetAck(ak2.get("AK201", ""), ak2.get("AK202", ""), status, codes, errors))
    h = doc.tree["interchange"]
    return GroupAck(
        f"{h['sender_qualifier']}:{h['sender_id']}", f"{h['receiver_qualifier']}:{h['receiver_id']}",
        ak1.get("AK101", ""), ak1.get("AK102", ""), ak9.get("AK901", ""), ak9.get("AK902", ""), ak9.get("AK903", ""),
        ak9.get("AK904", ""), [v for k, v in sorted(ak9.items()) if k >= "AK905"], sets,
    )
