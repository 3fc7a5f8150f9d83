"""Turn a document tree (the mapping contract) back into segments, in the order the guide defines.

Outbound mappings (990, 214) build a tree in the same shape the reader produces; this puts its
segments in guide order so :class:`~adapters.x12.writer.X12Writer` can serialize them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from adapters.x12.errors import WriteError
from adapters.x12.guide import Guide, LoopRule, SegmentRule
from adapters.x12.writer import Repeated

_SET_KEYS = frozenset(("id", "control_number", "version"))


def segment_from_dict(seg_id: str, values: Mapping[str, Any], composites: frozenset[int] = frozenset()) -> list[Any]:
    """``{"N101": "SH", "N102": "ACME"}`` -> ``["N1", "SH", "ACME"]`` (gaps become empty elements).

    A list value is a composite where the guide says so (``composites`` positions), otherwise a
    repeated element.
    """
    width = len(seg_id)
    positions: dict[int, Any] = {}
    for key, value in values.items():
        suffix = key[width:]
        if not key.startswith(seg_id) or not suffix.isdigit() or int(suffix) < 1:
            raise WriteError(f"{seg_id}: {key!r} is not an element reference of this segment", segment_id=seg_id)
        position = int(suffix)
        if isinstance(value, str):
            positions[position] = value
        else:
            positions[position] = list(value) if position in composites else Repeated(value)
    out: list[Any] = [seg_id] + [""] * max(positions, default=0)
    for position, value in positions.items():
        out[position] = value
    return out


def body_to_segments(body: Mapping[str, Any], loop: LoopRule) -> list[list[Any]]:
    """Segments of a loop body (or the set body) in guide order, loops expanded in place."""
    out: list[list[Any]] = []
    known = {c.id if isinstance(c, SegmentRule) else c.key for c in loop.children}
    unknown = set(body) - known - (_SET_KEYS if loop.key == "set" else set())
    if unknown:
        raise WriteError(f"{loop.key}: {sorted(unknown)} are not segments or loops the guide allows here")
    for child in loop.children:
        if isinstance(child, SegmentRule):
            out.extend(segment_from_dict(child.id, seg, child.composite_positions) for seg in body.get(child.id, ()))
        else:
            for inner in body.get(child.key, ()):
                out.extend(body_to_segments(inner, child))
    return out


def set_to_segments(set_tree: Mapping[str, Any], guide: Guide) -> list[list[Any]]:
    """The body segments (no ST/SE) of a ``tree["set"]`` for :meth:`X12Writer.interchange`."""
    return body_to_segments(set_tree, guide.body)
