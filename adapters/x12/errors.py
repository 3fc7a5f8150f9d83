"""Structured X12 errors and warnings.

Every finding names where it happened (interchange, group, set, segment position in the set and in
the file, segment id, element) and carries the X12 acknowledgement code that applies, so the same
object drives log lines, API responses, 997/999 detail and TA1 notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class X12Error(Exception):
    """Base class of every X12 finding raised or returned by this package.

    ``level`` tells which acknowledgement carries it: ``interchange`` (TA1, codes 000-031),
    ``group`` (AK9/AK905, code list 716), ``set`` (AK5/AK502, code list 718), ``segment``
    (AK3/AK304, code list 720) or ``element`` (AK4/AK403, code list 723).
    """

    level = "interchange"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        interchange: str | None = None,
        group: str | None = None,
        set_control: str | None = None,
        set_id: str | None = None,
        segment_in_set: int | None = None,
        segment_in_file: int | None = None,
        segment_id: str | None = None,
        element: int | None = None,
        component: int | None = None,
        element_ref: str | None = None,
        data_element: str | None = None,
        bad_value: str | None = None,
        byte_offset: int | None = None,
        loop_id: str | None = None,
    ) -> None:
        self.why = message
        self.code = code
        self.interchange = interchange
        self.group = group
        self.set_control = set_control
        self.set_id = set_id
        self.segment_in_set = segment_in_set
        self.segment_in_file = segment_in_file
        self.segment_id = segment_id
        self.element = element
        self.component = component
        self.element_ref = element_ref
        self.data_element = data_element
        self.bad_value = bad_value
        self.byte_offset = byte_offset
        self.loop_id = loop_id
        # The full message is formatted on demand (str()), not for every finding created.
        super().__init__(message)

    @property
    def where(self) -> str:
        """Human-readable locator, most general first."""
        parts: list[str] = []
        if self.interchange is not None:
            parts.append(f"interchange {self.interchange}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.set_control is not None:
            parts.append(f"set {self.set_control}" + (f" ({self.set_id})" if self.set_id else ""))
        if self.segment_id is not None or self.segment_in_file is not None:
            seg = f"segment {self.segment_id or '?'}"
            pos = []
            if self.segment_in_set is not None:
                pos.append(f"#{self.segment_in_set} in set")
            if self.segment_in_file is not None:
                pos.append(f"#{self.segment_in_file} in file")
            if self.byte_offset is not None:
                pos.append(f"byte {self.byte_offset}")
            parts.append(seg + (f" ({', '.join(pos)})" if pos else ""))
        if self.element_ref is not None:
            parts.append(f"element {self.element_ref}")
        elif self.element is not None:
            parts.append(f"element {self.element}")
        return " / ".join(parts) if parts else "start of input"

    @property
    def message(self) -> str:
        """Where, what and why in one line."""
        code = f" [{self.level} code {self.code}]" if self.code else ""
        return f"{self.where}: {self.why}{code}"

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for APIs and audit records."""
        return {
            "kind": type(self).__name__,
            "level": self.level,
            "code": self.code,
            "interchange": self.interchange,
            "group": self.group,
            "set": self.set_control,
            "set_id": self.set_id,
            "segment_in_set": self.segment_in_set,
            "segment_in_file": self.segment_in_file,
            "segment_id": self.segment_id,
            "element": self.element,
            "component": self.component,
            "element_ref": self.element_ref,
            "bad_value": self.bad_value,
            "byte_offset": self.byte_offset,
            "message": self.message,
        }


class InterchangeError(X12Error):
    """ISA/IEA envelope is unreadable or inconsistent (answered with a TA1)."""

    level = "interchange"


class DelimiterError(InterchangeError):
    """Delimiters cannot be derived from the ISA without guessing."""


class GroupError(X12Error):
    """GS/GE envelope problem (AK9 code list 716)."""

    level = "group"


class TransactionSetError(X12Error):
    """ST/SE envelope or set-level problem (AK5 code list 718)."""

    level = "set"


class SegmentError(X12Error):
    """A segment is unknown, misplaced, missing or repeated too often (AK3 code list 720)."""

    level = "segment"


class ElementError(X12Error):
    """A data element is missing, too long, of the wrong type or not an allowed code (AK4, 723)."""

    level = "element"


class GuideError(X12Error):
    """A partner guide or override file is itself invalid (configuration, not data)."""

    level = "configuration"


@dataclass(frozen=True, slots=True)
class X12Warning:
    """Something was tolerated because the data was unambiguous; kept for audit, not rejected."""

    message: str
    segment_in_file: int | None = None
    byte_offset: int | None = None
    interchange: str | None = None

    def __str__(self) -> str:
        where = []
        if self.interchange:
            where.append(f"interchange {self.interchange}")
        if self.segment_in_file is not None:
            where.append(f"segment #{self.segment_in_file} in file")
        if self.byte_offset is not None:
            where.append(f"byte {self.byte_offset}")
        return (" / ".join(where) + ": " if where else "") + self.message


@dataclass(slots=True)
class Locator:
    """Where a transaction set sits; builds segment- and element-level findings inside it."""

    interchange: str | None
    group: str | None
    set_control: str
    set_id: str
    first_in_file: int

    def text(self) -> str:
        """Short locator such as ``interchange 000000905 / group 1 / set 0001``."""
        return f"interchange {self.interchange or '?'} / group {self.group or '?'} / set {self.set_control or '?'}"

    def segment_error(self, why: str, code: str, position: int, segment_id: str, loop_id: str | None = None) -> SegmentError:
        """A finding about segment ``position`` (1-based, ST = 1) of this set."""
        return SegmentError(
            why, code=code, interchange=self.interchange, group=self.group, set_control=self.set_control,
            set_id=self.set_id, segment_in_set=position, segment_in_file=self.first_in_file + position - 1,
            segment_id=segment_id, loop_id=loop_id,
        )

    def element_error(
        self, why: str, code: str, position: int, segment_id: str, element: int, ref: str, data_element: str | None,
        bad_value: str | None = None, component: int | None = None,
    ) -> ElementError:
        """A finding about one element of segment ``position`` of this set."""
        return ElementError(
            why, code=code, interchange=self.interchange, group=self.group, set_control=self.set_control,
            set_id=self.set_id, segment_in_set=position, segment_in_file=self.first_in_file + position - 1,
            segment_id=segment_id, element=element, component=component, element_ref=ref,
            data_element=data_element, bad_value=bad_value,
        )


class WriteError(X12Error):
    """Outbound data cannot be serialized as asked (value holds a delimiter, bad envelope value)."""

    level = "configuration"
