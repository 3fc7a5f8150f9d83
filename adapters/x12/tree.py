"""Document tree of one transaction set, with loops placed by the guide.

Contract relied on by the mapping language (JMESPath paths)::

    {"interchange": {...}, "group": {...},
     "set": {"id", "control_number", "version", <segment id>: [segment dicts], "<first seg>_loop": [bodies]}}

A segment dict maps element references (``B1001``) to trimmed strings; a composite is a list of its
components; a repeated element is a list of values; empty elements are omitted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from adapters.x12.errors import Locator, X12Error
from adapters.x12.guide import Guide, LoopRule, SegmentRule, segment_keys
from adapters.x12.tokenizer import Delimiters

_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
# Converts a placed segment to its dict (and, when validating, checks its elements).
Convert = Callable[[list[str], SegmentRule, int], dict[str, Any]]
_generic_keys: dict[str, list[str]] = {}


def segment_to_dict(seg: list[str], keys: list[str], delims: Delimiters, composites: frozenset[int] = frozenset()) -> dict[str, Any]:
    """Convert one segment's element list to its tree form."""
    n = len(seg)
    if n > len(keys):
        keys = segment_keys(seg[0], n)
    comp = delims.component
    rep = delims.repetition
    out: dict[str, Any] = {}
    for i in range(1, n):
        v = seg[i]
        if not v:
            continue
        if rep is not None and rep in v:
            values = [_component_value(x, comp, i in composites) for x in v.split(rep)]
            values = [x for x in values if x]
            if values:
                out[keys[i]] = values
            continue
        if i in composites or comp in v:
            parts = [p.strip() for p in v.split(comp)]
            if any(parts):
                out[keys[i]] = parts
            continue
        v = v.strip()
        if v:
            out[keys[i]] = v
    return out


def _component_value(v: str, comp: str, composite: bool) -> Any:
    if composite or comp in v:
        parts = [p.strip() for p in v.split(comp)]
        return parts if any(parts) else None
    return v.strip() or None


def _keys_for(sid: str) -> list[str]:
    keys = _generic_keys.get(sid)
    if keys is None:
        keys = _generic_keys[sid] = segment_keys(sid)
    return keys


def flat_body(segments: list[list[str]], delims: Delimiters) -> dict[str, Any]:
    """Body without loops (set or version we have no guide for)."""
    body: dict[str, Any] = {}
    for seg in segments:
        sid = seg[0]
        body.setdefault(sid, []).append(segment_to_dict(seg, _keys_for(sid), delims))
    return body


class _Frame:
    __slots__ = ("rule", "body", "pos", "counts", "after")

    def __init__(self, rule: LoopRule, body: dict[str, Any], pos: int) -> None:
        self.rule = rule
        self.body = body
        # Search floor: inside a loop it starts at 1 because the loop's first segment always opens
        # a new instance (found one level up), never a repeat inside the current one.
        self.pos = pos
        self.counts = [0] * len(rule.children)
        self.after = rule.after


def guided_body(
    segments: list[list[str]],
    guide: Guide,
    delims: Delimiters,
    loc: Locator,
    errors: list[X12Error],
    convert: Convert | None = None,
) -> dict[str, Any]:
    """Place body segments (no ST/SE) into loops per the guide, reporting structural findings.

    Segment ``segments[i]`` is position ``i + 2`` in the set (ST is 1). A segment that cannot be
    placed is kept in the innermost open loop so no data is lost, and reported.
    """
    if convert is None:
        def convert(seg: list[str], rule: SegmentRule, position: int) -> dict[str, Any]:
            return segment_to_dict(seg, rule.keys, delims, rule.composite_positions)
    root: dict[str, Any] = {}
    stack = [_Frame(guide.body, root, 0)]
    # The innermost frame's fields live in locals (the hot path touches nothing else); they are
    # written back to the frame object only when another frame becomes innermost.
    fr = stack[0]
    rule, after, counts, body, pos = fr.rule, fr.after, fr.counts, root, 0
    position = 1
    for seg in segments:
        position += 1
        sid = seg[0]
        j = after[pos].get(sid, -1)
        if j < 0:
            fr.pos = pos
            depth = len(stack) - 2
            while depth >= 0:
                outer = stack[depth]
                j = outer.after[outer.pos].get(sid, -1)
                if j >= 0:
                    break
                depth -= 1
            if j < 0:
                _unplaced(seg, fr, guide, delims, loc, errors, position)
                continue
            while len(stack) - 1 > depth:
                _close(stack.pop(), loc, errors, position)
            fr = stack[-1]
            rule, after, counts, body = fr.rule, fr.after, fr.counts, fr.body
        pos = j
        counts[j] += 1
        child = rule.children[j]
        if not rule.is_loop[j]:
            if counts[j] > child.max_use:
                errors.append(loc.segment_error(f"{sid} appears more than its maximum use of {child.max_use} here", "5", position, sid))
            found = body.get(sid)
            if found is None:
                body[sid] = [convert(seg, child, position)]
            else:
                found.append(convert(seg, child, position))
            continue
        if counts[j] > child.repeat:
            errors.append(loc.segment_error(f"loop {child.key} repeats more than its maximum of {child.repeat}", "4", position, sid, child.id))
        fr.pos = pos
        new: dict[str, Any] = {}
        body.setdefault(child.key, []).append(new)
        fr = _Frame(child, new, 1)
        stack.append(fr)
        # A loop can start with a nested loop only in guides we do not have; descend to its first segment.
        while child.is_loop[0]:
            child = child.children[0]
            fr.counts[0] = 1
            deeper: dict[str, Any] = {}
            fr.body.setdefault(child.key, []).append(deeper)
            fr = _Frame(child, deeper, 1)
            stack.append(fr)
        fr.counts[0] = 1
        rule, after, counts, body, pos = fr.rule, fr.after, fr.counts, fr.body, 1
        body[sid] = [convert(seg, child.children[0], position)]
    fr.pos = pos
    end = len(segments) + 2
    while stack:
        _close(stack.pop(), loc, errors, end)
    return root


def _unplaced(seg: list[str], frame: _Frame, guide: Guide, delims: Delimiters, loc: Locator, errors: list[X12Error], position: int) -> None:
    sid = seg[0]
    frame.body.setdefault(sid, []).append(segment_to_dict(seg, _keys_for(sid), delims))
    if sid in guide.allowed_extra:
        return
    if not _SEGMENT_ID.match(sid):
        errors.append(loc.segment_error(f"{sid[:40]!r} is not a segment identifier", "1", position, sid[:3]))
    elif sid in guide.segment_ids:
        errors.append(loc.segment_error(f"{sid} is not allowed at this point of a {guide.set_id} (out of sequence or too many)", "7", position, sid))
    else:
        errors.append(loc.segment_error(f"{sid} is not a segment of the {guide.set_id} {guide.version} guide", "6", position, sid))


def _close(frame: _Frame, loc: Locator, errors: list[X12Error], position: int) -> None:
    counts = frame.counts
    for j in frame.rule.required:
        if counts[j] == 0:
            child = frame.rule.children[j]
            sid = child.id if isinstance(child, SegmentRule) else child.first_segment
            where = "the set" if frame.rule.key == "set" else f"loop {frame.rule.key}"
            errors.append(loc.segment_error(f"mandatory segment {sid} is missing from {where}", "3", position, sid))
