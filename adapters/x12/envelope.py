"""Interchange / group / set framing and the envelope checks (ISA/IEA, GS/GE, ST/SE).

Consumes tokenizer batches and yields one :class:`RawSet` per transaction set as soon as its SE (or
whatever ends it) is seen, so a caller holds one set at a time. Per-interchange and per-group records
stay small (ids, counts, findings) and are what the acknowledgement builder needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from adapters.x12.errors import (
    GroupError,
    GuideError,
    InterchangeError,
    TransactionSetError,
    X12Error,
    X12Warning,
)
from adapters.x12.tokenizer import Delimiters, SegmentBatch

_DIGITS = re.compile(r"^\d+$")
_DATE6 = re.compile(r"^\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_TIME4 = re.compile(r"^([01]\d|2[0-3])[0-5]\d$")
_ENVELOPE = frozenset(("ISA", "GS", "ST", "SE", "GE", "IEA"))
_SET_ID = re.compile(r"^[0-9A-Z]{3}$")
# Interchange ID qualifiers (X12 element I05); 02 = SCAC is what carriers use. Partners with private
# qualifiers extend this through their overrides ({"envelope": {"ISA05": [...], "ISA07": [...]}}).
ISA_QUALIFIERS = frozenset(
    [f"{n:02d}" for n in range(1, 39) if n not in (5, 6)] + ["AM", "NR", "SA", "SN", "ZZ"]
)


@dataclass(slots=True)
class SetRecord:
    """What an acknowledgement needs to know about one transaction set."""

    set_id: str
    control_number: str
    segment_in_file: int
    errors: list[X12Error] = field(default_factory=list)
    segment_count: int = 0

    @property
    def accepted(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class GroupRecord:
    """One functional group (GS..GE) and the sets it held."""

    header: dict[str, str]
    segment_in_file: int
    sets: list[SetRecord] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)
    trailer_count: str | None = None

    @property
    def functional_id(self) -> str:
        return self.header.get("functional_id", "")

    @property
    def control_number(self) -> str:
        return self.header.get("control_number", "")

    @property
    def version(self) -> str:
        return self.header.get("version", "")


@dataclass(slots=True)
class InterchangeRecord:
    """One interchange (ISA..IEA): header values, delimiters, groups and envelope findings."""

    header: dict[str, str]
    isa: list[str]
    delimiters: Delimiters
    segment_in_file: int
    byte_offset: int
    groups: list[GroupRecord] = field(default_factory=list)
    errors: list[X12Error] = field(default_factory=list)
    ta1: list[dict[str, str]] = field(default_factory=list)

    @property
    def control_number(self) -> str:
        return self.header.get("control_number", "")


@dataclass(slots=True)
class RawSet:
    """One transaction set's segments (ST first, SE last when present) and where they came from.

    ``texts[k]`` is segment ``k`` as one string (its elements joined by the element separator).
    """

    segments: list[list[str]]
    texts: list[str]
    segment_in_file: int
    byte_offset: int
    interchange: InterchangeRecord
    group: GroupRecord
    record: SetRecord
    delimiters: Delimiters
    has_trailer: bool = False
    special: bool = True


def interchange_header(isa: list[str]) -> dict[str, str]:
    """The ``interchange`` part of the document tree, from an ISA element list."""
    f = [v.strip() for v in isa] + [""] * (17 - len(isa))
    return {
        "sender_qualifier": f[5],
        "sender_id": f[6],
        "receiver_qualifier": f[7],
        "receiver_id": f[8],
        "date": f[9],
        "time": f[10],
        "control_number": f[13],
        "version": f[12],
        "ack_requested": f[14],
        "usage": f[15],
    }


def group_header(gs: list[str]) -> dict[str, str]:
    """The ``group`` part of the document tree, from a GS element list (GS08 exactly as sent)."""
    f = [v.strip() for v in gs] + [""] * (9 - len(gs))
    return {
        "functional_id": f[1],
        "sender": f[2],
        "receiver": f[3],
        "date": f[4],
        "time": f[5],
        "control_number": f[6],
        "agency": f[7],
        "version": f[8],
    }


def _same_number(a: str, b: str) -> bool:
    return a == b or (bool(_DIGITS.match(a)) and bool(_DIGITS.match(b)) and int(a) == int(b))


def _count_matches(declared: str, actual: int) -> bool:
    declared = declared.strip()
    return bool(_DIGITS.match(declared)) and int(declared) == actual


def partner_qualifiers(envelope_overrides: Mapping[str, Iterable[str]] | None) -> tuple[frozenset[str], frozenset[str]]:
    """The ISA05 and ISA07 qualifiers a partner may use: X12's, plus its overrides' extra ones.

    Raises ``GuideError`` when the overrides name anything but ISA05 and ISA07.
    """
    extra = envelope_overrides or {}
    unknown = set(extra) - {"ISA05", "ISA07"}
    if unknown:
        raise GuideError(f"envelope overrides may name ISA05 and ISA07 only, not {sorted(unknown)}")
    return ISA_QUALIFIERS | frozenset(extra.get("ISA05", ())), ISA_QUALIFIERS | frozenset(extra.get("ISA07", ()))


class EnvelopeReader:
    """Frame tokenized segments into interchanges, groups and sets, checking the envelope."""

    def __init__(self, batches: Iterable[SegmentBatch], envelope_overrides: Mapping[str, Iterable[str]] | None = None) -> None:
        self._batches = batches
        self._sender_qualifiers, self._receiver_qualifiers = partner_qualifiers(envelope_overrides)
        self.interchanges: list[InterchangeRecord] = []
        self.errors: list[X12Error] = []
        self.warnings: list[X12Warning] = []
        self._seen_isa13: set[tuple[str, str, str]] = set()

    def sets(self) -> Iterator[RawSet]:
        """Yield each transaction set when it is complete."""
        ich: InterchangeRecord | None = None
        grp: GroupRecord | None = None
        cur: RawSet | None = None
        group_ids: set[str] = set()
        set_ids: set[str] = set()
        for batch in self._batches:
            texts = batch.texts
            sep = batch.delimiters.element
            first = batch.first_index
            if cur is not None and batch.special:
                cur.special = True
            k = 0
            n = len(texts)
            while k < n:
                seg = texts[k].split(sep)
                if cur is not None and seg[0] not in _ENVELOPE:
                    # Hot path: body segments of an open set need no envelope work.
                    body = cur.segments
                    body.append(seg)
                    start = k
                    k += 1
                    while k < n:
                        seg = texts[k].split(sep)
                        if seg[0] in _ENVELOPE:
                            break
                        body.append(seg)
                        k += 1
                    cur.texts += texts[start:k]
                    if k == n:
                        break
                sid = seg[0]
                index = first + k
                if sid == "ISA":
                    if cur is not None:
                        yield self._close_set(cur, None, index)
                        cur = None
                    if grp is not None:
                        self._close_group(ich, grp, None, index)
                        grp = None
                    if ich is not None:
                        self._close_interchange(ich, None, index)
                    ich = self._open_interchange(seg, batch, k, index)
                    group_ids = set()
                elif sid == "GS":
                    if cur is not None:
                        yield self._close_set(cur, None, index)
                        cur = None
                    if grp is not None:
                        self._close_group(ich, grp, None, index)
                    grp = self._open_group(ich, seg, index, group_ids)
                    set_ids = set()
                elif sid == "ST":
                    if cur is not None:
                        yield self._close_set(cur, None, index)
                        cur = None
                    if grp is None:
                        self._stray(ich, None, seg, index, batch.offset(k), "ST outside a functional group (no GS before it)")
                        grp = self._open_group(ich, ["GS"], index, group_ids, implicit=True)
                        set_ids = set()
                    cur = self._open_set(ich, grp, seg, index, batch, k, set_ids)
                elif sid == "SE":
                    if cur is None:
                        self._stray(ich, grp, seg, index, batch.offset(k), "SE without a matching ST")
                    else:
                        cur.segments.append(seg)
                        cur.texts.append(texts[k])
                        cur.has_trailer = True
                        yield self._close_set(cur, seg, index)
                        cur = None
                elif sid == "GE":
                    if cur is not None:
                        yield self._close_set(cur, None, index)
                        cur = None
                    if grp is None:
                        self._stray(ich, None, seg, index, batch.offset(k), "GE without a matching GS")
                    else:
                        self._close_group(ich, grp, seg, index)
                        grp = None
                elif sid == "IEA":
                    if cur is not None:
                        yield self._close_set(cur, None, index)
                        cur = None
                    if grp is not None:
                        self._close_group(ich, grp, None, index)
                        grp = None
                    if ich is None:
                        self._stray(None, None, seg, index, batch.offset(k), "IEA without a matching ISA")
                    else:
                        self._close_interchange(ich, seg, index)
                        ich = None
                elif sid == "TA1" and ich is not None and grp is None:
                    ich.ta1.append(dict(zip(("control_number", "date", "time", "status", "code"), (v.strip() for v in seg[1:6]), strict=False)))
                else:
                    self._stray(ich, grp, seg, index, batch.offset(k), f"segment {sid[:10]!r} outside a transaction set")
                k += 1
        if cur is not None:
            yield self._close_set(cur, None, None)
        if grp is not None:
            self._close_group(ich, grp, None, None)
        if ich is not None:
            self._close_interchange(ich, None, None)

    def _open_interchange(self, seg: list[str], batch: SegmentBatch, k: int, index: int) -> InterchangeRecord:
        header = interchange_header(seg)
        ich = InterchangeRecord(header, seg, batch.delimiters, index, batch.offset(k))
        self.interchanges.append(ich)
        control = header["control_number"]

        def fail(element: int, code: str, why: str) -> None:
            err = InterchangeError(
                why, code=code, interchange=control or "?", segment_id="ISA", segment_in_file=index,
                element=element, element_ref=f"ISA{element:02d}", bad_value=seg[element] if element < len(seg) else None,
                byte_offset=ich.byte_offset,
            )
            ich.errors.append(err)

        if len(seg) != 17:
            fail(min(len(seg), 16), "022", f"ISA has {len(seg) - 1} elements; it must have 16")
        if not header["sender_id"]:
            fail(6, "006", "ISA06 (interchange sender ID) is empty")
        if not header["receiver_id"]:
            fail(8, "008", "ISA08 (interchange receiver ID) is empty")
        if header["sender_qualifier"] not in self._sender_qualifiers:
            fail(5, "005", f"ISA05 {header['sender_qualifier']!r} is not an interchange ID qualifier (I05) allowed for this partner")
        if header["receiver_qualifier"] not in self._receiver_qualifiers:
            fail(7, "007", f"ISA07 {header['receiver_qualifier']!r} is not an interchange ID qualifier (I05) allowed for this partner")
        if not _DATE6.match(header["date"]):
            fail(9, "014", f"ISA09 {header['date']!r} is not a valid YYMMDD date")
        if not _TIME4.match(header["time"]):
            fail(10, "015", f"ISA10 {header['time']!r} is not a valid HHMM time")
        if not re.match(r"^\d{5}$", header["version"]):
            fail(12, "017", f"ISA12 {header['version']!r} is not a 5-digit control version number")
        if not _DIGITS.match(control) or len(control) > 9:
            fail(13, "018", f"ISA13 {control!r} is not a control number of up to 9 digits")
        if header["ack_requested"] not in ("0", "1"):
            fail(14, "019", f"ISA14 {header['ack_requested']!r} must be 0 or 1")
        if header["usage"] not in ("P", "T", "I"):
            fail(15, "020", f"ISA15 {header['usage']!r} must be P, T or I")
        key = (header["sender_qualifier"] + ":" + header["sender_id"], header["receiver_id"], control)
        if key in self._seen_isa13:
            fail(13, "025", f"duplicate interchange control number {control} from the same sender in this input")
        self._seen_isa13.add(key)
        return ich

    def _close_interchange(self, ich: InterchangeRecord, iea: list[str] | None, index: int | None) -> None:
        control = ich.control_number

        def fail(element: int | None, code: str, why: str, bad: str | None = None) -> None:
            ich.errors.append(
                InterchangeError(
                    why, code=code, interchange=control, segment_id="IEA", segment_in_file=index,
                    element=element, element_ref=f"IEA{element:02d}" if element else None, bad_value=bad,
                )
            )

        if iea is None:
            fail(None, "023", "interchange has no IEA trailer" + (" before the next ISA" if index else " before the end of the input"))
            return
        declared = iea[1] if len(iea) > 1 else ""
        if not _count_matches(declared, len(ich.groups)):
            fail(1, "021", f"IEA01 says {declared.strip()!r} functional groups but the interchange holds {len(ich.groups)}", declared)
        trailer_control = iea[2].strip() if len(iea) > 2 else ""
        if _same_number(trailer_control, control):
            if trailer_control != control:
                self.warnings.append(X12Warning(f"IEA02 {trailer_control!r} is ISA13 {control!r} without zero padding", segment_in_file=index, interchange=control))
        else:
            fail(2, "001", f"IEA02 {trailer_control!r} does not match ISA13 {control!r}", trailer_control)

    def _open_group(
        self, ich: InterchangeRecord | None, seg: list[str], index: int, seen: set[str], implicit: bool = False
    ) -> GroupRecord:
        header = group_header(seg)
        grp = GroupRecord(header, index)
        if ich is None:
            self.errors.append(
                InterchangeError(
                    "functional group outside an interchange (no ISA before it)", code="024", segment_id=seg[0], segment_in_file=index
                )
            )
            return grp
        ich.groups.append(grp)
        if implicit:
            return grp
        control = header["control_number"]

        def fail(element: int, code: str, why: str) -> None:
            grp.errors.append(
                GroupError(
                    why, code=code, interchange=ich.control_number, group=control or "?", segment_id="GS",
                    segment_in_file=index, element=element, element_ref=f"GS{element:02d}",
                    bad_value=seg[element] if element < len(seg) else None,
                )
            )

        if not _DIGITS.match(control) or len(control) > 9:
            fail(6, "6", f"GS06 {control!r} is not a group control number of up to 9 digits")
        elif control in seen:
            fail(6, "19", f"group control number {control} is used twice in interchange {ich.control_number}")
        seen.add(control)
        if not header["functional_id"]:
            fail(1, "1", "GS01 (functional identifier code) is empty")
        if not header["version"]:
            fail(8, "2", "GS08 (version/release) is empty")
        return grp

    def _close_group(self, ich: InterchangeRecord | None, grp: GroupRecord, ge: list[str] | None, index: int | None) -> None:
        where = {
            "interchange": ich.control_number if ich else None,
            "group": grp.control_number or "?",
            "segment_id": "GE",
            "segment_in_file": index,
        }
        if ge is None:
            grp.errors.append(GroupError("functional group has no GE trailer", code="3", **where))
            return
        declared = ge[1] if len(ge) > 1 else ""
        grp.trailer_count = declared.strip()
        if not _count_matches(declared, len(grp.sets)):
            grp.errors.append(
                GroupError(
                    f"GE01 says {declared.strip()!r} transaction sets but the group holds {len(grp.sets)}",
                    code="5", element=1, element_ref="GE01", bad_value=declared, **where,
                )
            )
        trailer_control = ge[2].strip() if len(ge) > 2 else ""
        if _same_number(trailer_control, grp.control_number):
            if trailer_control != grp.control_number:
                self.warnings.append(X12Warning(f"GE02 {trailer_control!r} is GS06 {grp.control_number!r} with different zero padding", segment_in_file=index))
        else:
            grp.errors.append(
                GroupError(
                    f"GE02 {trailer_control!r} does not match GS06 {grp.control_number!r}",
                    code="4", element=2, element_ref="GE02", bad_value=trailer_control, **where,
                )
            )

    def _open_set(
        self, ich: InterchangeRecord | None, grp: GroupRecord, seg: list[str], index: int, batch: SegmentBatch, k: int, seen: set[str]
    ) -> RawSet:
        set_id = seg[1].strip() if len(seg) > 1 else ""
        control = seg[2].strip() if len(seg) > 2 else ""
        record = SetRecord(set_id, control, index)
        grp.sets.append(record)
        raw = RawSet([seg], [batch.texts[k]], index, batch.offset(k), ich or _ORPHAN, grp, record, batch.delimiters, special=batch.special)
        bad_id = not _SET_ID.match(set_id)
        if bad_id or not control or control in seen:
            where = {
                "interchange": ich.control_number if ich else None,
                "group": grp.control_number or None,
                "set_control": control or "?",
                "set_id": set_id or None,
                "segment_id": "ST",
                "segment_in_set": 1,
                "segment_in_file": index,
                "byte_offset": raw.byte_offset,
            }
            if bad_id:
                record.errors.append(TransactionSetError(f"ST01 {set_id!r} is not a transaction set identifier", code="6", element=1, element_ref="ST01", **where))
            if not control:
                record.errors.append(TransactionSetError("ST02 (transaction set control number) is empty", code="7", element=2, element_ref="ST02", **where))
            elif control in seen:
                record.errors.append(
                    TransactionSetError(f"set control number {control} is used twice in group {grp.control_number}", code="23", element=2, element_ref="ST02", **where)
                )
        seen.add(control)
        return raw

    def _close_set(self, raw: RawSet, se: list[str] | None, index: int | None) -> RawSet:
        record = raw.record
        count = record.segment_count = len(raw.segments)
        declared = se[1] if se is not None and len(se) > 1 else ""
        trailer_control = se[2].strip() if se is not None and len(se) > 2 else ""
        count_ok = declared == str(count) or _count_matches(declared, count)
        if se is not None and count_ok and trailer_control == record.control_number:
            return raw
        where = {
            "interchange": raw.interchange.control_number if raw.interchange is not _ORPHAN else None,
            "group": raw.group.control_number or None,
            "set_control": record.control_number or "?",
            "set_id": record.set_id or None,
            "segment_id": "SE",
            "segment_in_file": index,
        }
        if se is None:
            record.errors.append(TransactionSetError("transaction set has no SE trailer", code="2", **where))
            return raw
        where["segment_in_set"] = count
        if not count_ok:
            record.errors.append(
                TransactionSetError(
                    f"SE01 says {declared.strip()!r} segments but the set has {count} (ST to SE)",
                    code="4", element=1, element_ref="SE01", bad_value=declared, **where,
                )
            )
        if trailer_control != record.control_number:
            record.errors.append(
                TransactionSetError(
                    f"SE02 {trailer_control!r} does not match ST02 {record.control_number!r}",
                    code="3", element=2, element_ref="SE02", bad_value=trailer_control, **where,
                )
            )
        return raw

    def _stray(
        self, ich: InterchangeRecord | None, grp: GroupRecord | None, seg: list[str], index: int, offset: int, why: str
    ) -> None:
        sid = seg[0][:10]
        if grp is not None:
            grp.errors.append(
                GroupError(why, interchange=ich.control_number if ich else None, group=grp.control_number, segment_id=sid, segment_in_file=index, byte_offset=offset)
            )
        elif ich is not None:
            ich.errors.append(InterchangeError(why, code="024", interchange=ich.control_number, segment_id=sid, segment_in_file=index, byte_offset=offset))
        else:
            self.errors.append(InterchangeError(why, code="024", segment_id=sid, segment_in_file=index, byte_offset=offset))


# Sets that appear before any ISA still need an interchange record to hang on; it is never listed.
_ORPHAN = InterchangeRecord({}, [], Delimiters("*", ">", "~"), 0, 0)
