"""Serialize segments into X12 interchanges: delimiters, ISA padding, GS/GE, ST/SE counts and control numbers.

Used for acknowledgements and by outbound mappings (990, 214). Values are written as given; a value
containing one of the interchange's delimiters is refused rather than silently corrupting the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from adapters.x12.errors import WriteError
from adapters.x12.tokenizer import Delimiters


class Repeated(list):  # type: ignore[type-arg]
    """A repeated simple element (ISA11 repetition separator); a plain list is a composite."""


Element = str | Sequence[str]
SegmentData = Sequence[Element]

_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)
STANDARD_DELIMITERS = Delimiters("*", ">", "~", None)


@dataclass(frozen=True, slots=True)
class Party:
    """An interchange or group party: ISA qualifier and id, and the GS application code."""

    qualifier: str
    id: str
    application: str = ""

    @property
    def gs_code(self) -> str:
        return self.application or self.id


@dataclass(slots=True)
class GroupSpec:
    """One functional group to write: functional id, version (GS08) and its sets (bodies without ST/SE)."""

    functional_id: str
    version: str
    control_number: int
    sets: list[tuple[str, int, Sequence[SegmentData]]] = field(default_factory=list)
    set_version: str | None = None


class X12Writer:
    """Write segments with one set of delimiters; ``line_break`` (e.g. "\\n") is added after terminators."""

    def __init__(self, delimiters: Delimiters = STANDARD_DELIMITERS, line_break: str = "") -> None:
        self.delimiters = delimiters
        # A partner whose terminator is a line break gets no extra blank lines.
        self.line_break = "" if delimiters.segment in "\r\n" else line_break
        self._forbidden = {c for c in (delimiters.element, delimiters.component, delimiters.segment, delimiters.repetition) if c}

    def _value(self, value: str, where: str) -> str:
        for ch in self._forbidden:
            if ch in value:
                raise WriteError(f"{where}: value {value!r} contains delimiter {ch!r}", segment_id=where[:3])
        return value

    def segment(self, seg_id: str, elements: SegmentData) -> str:
        """One segment with its terminator; trailing empty elements are dropped."""
        out = [seg_id]
        d = self.delimiters
        for i, el in enumerate(elements, 1):
            ref = f"{seg_id}{i:02d}"
            if isinstance(el, str):
                out.append(self._value(el, ref))
            elif isinstance(el, Repeated):
                if not d.repetition:
                    raise WriteError(f"{ref}: repeated values need a repetition separator (ISA12 00402 or later)", segment_id=seg_id)
                out.append(d.repetition.join(self._value(v, ref) for v in el))
            else:
                parts = [self._value(p, ref) for p in el]
                while parts and parts[-1] == "":
                    parts.pop()
                out.append(d.component.join(parts))
        while len(out) > 1 and out[-1] == "":
            out.pop()
        return d.element.join(out) + d.segment + self.line_break

    def isa(self, sender: Party, receiver: Party, control_number: int, version: str, *, ack_requested: str = "0",
            usage: str = "P", when: datetime | None = None) -> str:
        """The fixed-width ISA (106 characters plus line break) for these parties."""
        when = when or datetime.now(UTC)
        d = self.delimiters
        isa11 = d.repetition if d.repetition and version >= "00402" else "U"
        values = [
            "00", "", "00", "", sender.qualifier, sender.id, receiver.qualifier, receiver.id,
            when.strftime("%y%m%d"), when.strftime("%H%M"), isa11, version, f"{control_number:09d}", ack_requested, usage,
        ]
        padded = []
        for k, (v, width) in enumerate(zip(values, _ISA_WIDTHS, strict=True), 1):
            if len(v) > width:
                raise WriteError(f"ISA{k:02d} {v!r} is longer than its fixed width {width}", segment_id="ISA", element=k)
            if k != 11:
                self._value(v, f"ISA{k:02d}")
            padded.append(v.rjust(width, "0") if k == 13 else v.ljust(width))
        return "ISA" + d.element + d.element.join(padded) + d.element + d.component + d.segment + self.line_break

    def transaction_set(self, set_id: str, control_number: int, body: Sequence[tuple[str, SegmentData]],
                        implementation: str | None = None) -> tuple[str, int]:
        """ST + body + SE with the right count; returns (text, segment count)."""
        ctl = f"{control_number:04d}"
        st = [set_id, ctl] + ([implementation] if implementation else [])
        parts = [self.segment("ST", st)]
        parts.extend(self.segment(sid, els) for sid, els in body)
        count = len(parts) + 1
        parts.append(self.segment("SE", [str(count), ctl]))
        return "".join(parts), count

    def interchange(self, sender: Party, receiver: Party, control_number: int, version: str, groups: Sequence[GroupSpec],
                    *, ack_requested: str = "0", usage: str = "P", when: datetime | None = None,
                    extra: Sequence[tuple[str, SegmentData]] = ()) -> str:
        """A whole interchange: ISA, optional interchange-level segments (TA1), groups, IEA."""
        when = when or datetime.now(UTC)
        out = [self.isa(sender, receiver, control_number, version, ack_requested=ack_requested, usage=usage, when=when)]
        out.extend(self.segment(sid, els) for sid, els in extra)
        for grp in groups:
            out.append(self.segment("GS", [grp.functional_id, sender.gs_code, receiver.gs_code, when.strftime("%Y%m%d"),
                                            when.strftime("%H%M"), str(grp.control_number), "X", grp.version]))
            for set_id, set_control, body in grp.sets:
                # A body segment starts with its segment id, which is a plain string.
                text, _ = self.transaction_set(set_id, set_control, [(cast(str, b[0]), b[1:]) for b in body],
                                               grp.set_version)
                out.append(text)
            out.append(self.segment("GE", [str(len(grp.sets)), str(grp.control_number)]))
        out.append(self.segment("IEA", [str(len(groups)), f"{control_number:09d}"]))
        return "".join(out)
