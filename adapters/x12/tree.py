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
from adapters.x12.guide import Guide, SegmentRule, segment_keys
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


# An open loop (or the set body) while a set is placed: [rule, body, pos, counts]. A list, not an
# object: one opens for every loop instance, and building a list costs half of calling a class.
# ``pos`` is the search floor for the next segment; inside a loop it starts at 1 because the loop's
# first segment always opens a new instance (found one level up), never a repeat inside the current
# one. ``counts[j]`` is how often child ``j`` of ``rule`` occurred in this instance.
_Frame = list[Any]


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
    rule = guide.body
    counts = [0] * len(rule.children)
    fr = [rule, root, 0, counts]
    stack = [fr]
    # The innermost frame's fields live in locals (the hot path touches nothing else); its pos is
    # written back to the frame only when another frame becomes innermost.
    after, body, pos = rule.after, root, 0
    for position, seg in enumerate(segments, 2):
        sid = seg[0]
        j = after[pos].get(sid, -1)
        if j < 0:
            fr[2] = pos
            depth = len(stack) - 2
            while depth >= 0:
                outer = stack[depth]
                j = outer[0].after[outer[2]].get(sid, -1)
                if j >= 0:
                    break
                depth -= 1
            if j < 0:
                _unplaced(seg, body, guide, delims, loc, errors, position)
                continue
            while len(stack) - 1 > depth:
                closed = stack.pop()
                # A loop's first segment opened it; only segments required after it can be missing.
                if closed[0].required_after_first:
                    _close(closed, closed[0].required_after_first, loc, errors, position)
            fr = stack[-1]
            rule, body, _, counts = fr
            after = rule.after
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
        fr[2] = pos
        new: dict[str, Any] = {}
        body.setdefault(child.key, []).append(new)
        counts = [0] * len(child.children)
        fr = [child, new, 1, counts]
        stack.append(fr)
        # A loop can start with a nested loop only in guides we do not have; descend to its first segment.
        while child.is_loop[0]:
            counts[0] = 1
            child = child.children[0]
            deeper: dict[str, Any] = {}
            new.setdefault(child.key, []).append(deeper)
            new = deeper
            counts = [0] * len(child.children)
            fr = [child, new, 1, counts]
            stack.append(fr)
        counts[0] = 1
        rule, after, body, pos = child, child.after, new, 1
        body[sid] = [convert(seg, child.children[0], position)]
    fr[2] = pos
    end = len(segments) + 2
    while stack:
        closed = stack.pop()
        _close(closed, closed[0].required, loc, errors, end)
    return root


def _unplaced(seg: list[str], body: dict[str, Any], guide: Guide, delims: Delimiters, loc: Locator, errors: list[X12Error], position: int) -> None:
    sid = seg[0]
    body.setdefault(sid, []).append(segment_to_dict(seg, _keys_for(sid), delims))
    if sid in guide.allowed_extra:
        return
    if not _SEGMENT_ID.match(sid):
        errors.append(loc.segment_error(f"{sid[:40]!r} is not a segment identifier", "1", position, sid[:3]))
    elif sid in guide.segment_ids:
        errors.append(loc.segment_error(f"{sid} is not allowed at this point of a {guide.set_id} (out of sequence or too many)", "7", position, sid))
    else:
        errors.append(loc.segment_error(f"{sid} is not a segment of the {guide.set_id} {guide.version} guide", "6", position, sid))


def _close(frame: _Frame, required: list[int], loc: Locator, errors: list[X12Error], position: int) -> None:
    rule, _, _, counts = frame
    for j in required:
        if counts[j] == 0:
            child = rule.children[j]
            sid = child.id if isinstance(child, SegmentRule) else child.first_segment
            where = "the set" if rule.key == "set" else f"loop {rule.key}"
            errors.append(loc.segment_error(f"mandatory segment {sid} is missing from {where}", "3", position, sid))
