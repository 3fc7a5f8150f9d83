"""Element-level validation against a compiled guide, and partner overrides.

Structure (order, loops, usage, max use) is checked while the tree is built (tree.py); this module
checks each element of a placed segment: mandatory presence, length, type (numeric, decimal, date,
time) and code lists, producing AK4-coded :class:`ElementError` findings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from pathlib import Path
from typing import Any

from adapters.x12.envelope import partner_qualifiers
from adapters.x12.errors import GuideError, Locator, X12Error
from adapters.x12.guide import (
    KIND_CODES,
    KIND_COMPOSITE,
    KIND_LENGTH,
    KIND_NUMERIC,
    ElementRule,
    Guide,
    GuideRegistry,
    SegmentRule,
)
from adapters.x12.tokenizer import Delimiters
from gateway.yamlsrc import YamlSourceError, load_yaml, position_of

_UNSEEN = object()
_VALUE = itemgetter(1)
_NUMERIC = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?(\d+\.?\d*|\.\d+)([Ee]-?\d+)?$")
_DATE8 = re.compile(r"^(\d{4})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_DATE6 = re.compile(r"^\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")
_TIME = re.compile(r"^([01]\d|2[0-3])[0-5]\d([0-5]\d(\d{1,2})?)?$")


def check_value(value: str, rule: ElementRule) -> tuple[str, str] | None:
    """Check one non-empty simple element value as sent; return (AK4 code, why) or None."""
    t = rule.data_type
    if t == "AN" or t == "ID":
        size = len(value)
    else:
        size = len(value.lstrip("-").replace(".", "", 1))
    if size > rule.max_len:
        return "5", f"{len(value)} characters, longer than the maximum {rule.max_len}"
    if size < rule.min_len:
        return "4", f"{len(value)} characters, shorter than the minimum {rule.min_len}"
    if t == "ID":
        if rule.codes is not None and value not in rule.codes:
            return "7", f"{value!r} is not an allowed code ({', '.join(sorted(rule.codes)[:12])})"
    elif t == "N0" or t == "N2" or t == "N":
        if not _NUMERIC.match(value):
            return "6", f"{value!r} is not numeric"
    elif t == "R":
        if not _DECIMAL.match(value):
            return "6", f"{value!r} is not a decimal number"
    elif t == "DT" and not (_DATE8.match(value) if len(value) == 8 else _DATE6.match(value)):
        return "8", f"{value!r} is not a valid date (CCYYMMDD)"
    elif t == "TM" and not _TIME.match(value):
        return "9", f"{value!r} is not a valid time (HHMM[SS[dd]])"
    return None


_DATE8_RE = r"[0-9]{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_DATE6_RE = r"[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
_HHMM_RE = r"(?:[01][0-9]|2[0-3])[0-5][0-9]"


def _element_pattern(er: ElementRule, kind: int, free: str) -> str | None:
    """Regex accepting only values the element check would accept (None: no fast path)."""
    lo, hi, t = er.min_len, er.max_len, er.data_type
    if kind == KIND_COMPOSITE or lo < 1:
        return None
    if kind == KIND_CODES:
        assert er.codes is not None
        return "(?:" + "|".join(re.escape(c) for c in sorted(er.codes, key=len, reverse=True)) + ")"
    if kind == KIND_LENGTH:
        # Only values without leading or trailing blanks take the fast path, so the tree can use them as is.
        # One bounded repeat between two lookarounds runs in sre's single-character loop, which is
        # cheaper than a group holding a repeat and an edge class.
        return f"(?! ){free}{{{lo},{hi}}}(?<! )"
    if t in ("N0", "N2", "N"):
        return f"-?[0-9]{{{lo},{hi}}}"
    if t == "R":
        return f"-?(?:[0-9]{{{lo},{hi}}}|(?=[0-9.]{{{lo + 1},{hi + 1}}}(?![0-9.]))[0-9]*\\.[0-9]+)"
    if t == "DT":
        return _DATE8_RE if lo == hi == 8 else _DATE6_RE if lo == hi == 6 else None
    if t == "TM" and lo == 4 and hi in (4, 6, 8):
        return _HHMM_RE + {4: "", 6: "(?:[0-5][0-9]|)", 8: "(?:[0-5][0-9](?:[0-9]{1,2})?|)"}[hi]
    return None


def segment_pattern(rule: SegmentRule, delims: Delimiters) -> re.Pattern[str] | None:
    """One regex for a whole segment whose every element is valid, trimmed and simple.

    Matching it proves the segment has no findings, so the per-element checks are skipped; any
    mismatch falls back to them, so the regex only has to be strict, never complete.
    """
    seps = "".join(c for c in (delims.element, delims.component, delims.repetition) if c)
    free = "[^" + re.escape(seps) + "\\r\\n]"
    sep = re.escape(delims.element)
    last_required = max(rule.required_positions, default=0)
    rest = ""
    # Optional parts are written "(?:X|)", not "(?:X)?": the same language, but sre runs a branch
    # without the repeat context it sets up for a group under "?" (about a fifth of the matching time).
    for i in range(len(rule.plan), 0, -1):
        _, kind, _, _, _, required, er = rule.plan[i - 1]
        pattern = _element_pattern(er, kind, free)
        if pattern is None:
            return None
        group = sep + (pattern if required else f"(?:{pattern}|)") + rest
        rest = group if i <= last_required else f"(?:{group}|)"
    return re.compile(re.escape(rule.id) + rest)


# Segments with empty elements come in a few shapes per rule; past this many, the rest are paired
# generically, so odd input cannot grow memory.
MAX_SHAPES = 256


def _builder(rule: SegmentRule, positions: Iterable[int]) -> Callable[[list[str]], dict[str, str]]:
    """A function returning ``{key: seg[i]}`` for the element positions ``positions``.

    A dict display with constant keys builds the dict about four times faster than ``dict(zip(...))``.
    """
    items = ", ".join(f"{rule.value_keys[i - 1]!r}: seg[{i}]" for i in positions)
    return eval(f"lambda seg: {{{items}}}")  # noqa: S307 - the keys are the guide's element references


def _dict_builder(rule: SegmentRule, count: int) -> Callable[[list[str]], dict[str, str]]:
    """The builder for a segment of ``count`` elements, none of them empty (most segments of a set)."""
    build = rule.dict_builders[count] = _builder(rule, range(1, count))
    return build


def _paired(rule: SegmentRule, seg: list[str]) -> dict[str, str]:
    """A segment's dict without a builder; all C-level: pair keys with values, drop the empty ones."""
    return dict(filter(_VALUE, zip(rule.value_keys, seg[1:], strict=False)))


def _shape_builder(rule: SegmentRule, shape: tuple[bool, ...]) -> Callable[[list[str]], dict[str, str]] | None:
    """The builder for segments whose used positions are ``shape`` (None once a rule has MAX_SHAPES)."""
    if len(rule.shape_builders) >= MAX_SHAPES:
        return None
    build = rule.shape_builders[shape] = _builder(rule, [i for i in range(1, len(shape)) if shape[i]])
    return build


class ElementChecker:
    """Converts each placed segment of one set to its tree dict while checking its elements.

    Doing both in one pass over the elements is what keeps decode + validation fast: each value is
    stripped once and most checks are a length comparison or a set lookup.
    """

    __slots__ = ("comp", "delims", "errors", "loc", "rep", "special", "texts")

    def __init__(self, delims: Delimiters, loc: Locator, errors: list[X12Error], texts: list[str], special: bool = True) -> None:
        self.delims = delims
        # texts[p - 1] is the set's segment at position p as received: the fast path matches it
        # without joining the element list back together.
        self.texts = texts
        # False when the set's text holds no component/repetition separator: skips two scans per element.
        self.special = special
        self.comp = delims.component
        self.rep = delims.repetition
        self.loc = loc
        self.errors = errors

    def __call__(self, seg: list[str], rule: SegmentRule, position: int) -> dict[str, Any]:
        cached = rule.fast_last
        fast = cached[1] if cached[0] is self.delims else self._fast_match(rule)
        if fast is not None and fast(self.texts[position - 1]):
            # A builder is kept only for a shape (which elements are present) that passed the
            # syntax notes, so finding one settles both.
            if "" in seg:
                build = rule.shape_builders.get(tuple(map(bool, seg)))
            else:
                build = rule.dict_builders[len(seg)]
            if build is not None:
                return build(seg)
            return self._new_shape(seg, rule, position)
        out: dict[str, Any] = {}
        plan = rule.plan
        special = self.special
        comp = self.comp
        rep = self.rep
        i = 0
        for v, p in zip(seg[1:], plan, strict=False):
            i += 1
            if not v:
                if p[5]:
                    self._fail(seg, rule, position, i, p[6], "1", "mandatory element is missing", None)
                continue
            key, kind, lo, hi, codes, required, er = p
            s = v.strip()
            if not s:
                if required:
                    self._fail(seg, rule, position, i, er, "1", "mandatory element is missing", None)
                continue
            if kind == KIND_COMPOSITE or (special and (comp in s or (rep is not None and rep in s))):
                self._special(seg, rule, position, i, er, s, out)
                continue
            if kind == KIND_LENGTH:
                sent = v.lstrip()
                if not lo <= len(sent) <= hi:
                    self._check(seg, rule, position, i, er, sent)
            elif kind == KIND_CODES:
                if s not in codes:
                    self._check(seg, rule, position, i, er, s)
            elif kind == KIND_NUMERIC:
                if not (lo <= len(s) <= hi and s.isdigit()):
                    self._check(seg, rule, position, i, er, s)
            else:
                # Dates, times and decimals repeat a lot within a file: remember each value's verdict.
                memo = er.memo
                verdict = memo.get(s, _UNSEEN)
                if verdict is _UNSEEN:
                    if len(memo) > 4096:
                        memo.clear()
                    verdict = memo[s] = check_value(s, er)
                if verdict is not None:
                    self._fail(seg, rule, position, i, er, verdict[0], verdict[1], s)
            out[key] = s
        n = len(seg)
        m = len(plan)
        if n - 1 > m:
            for k in range(m + 1, n):
                self._extra(seg, rule, position, k, out)
        elif n <= m:
            for k in rule.required_positions:
                if k >= n:
                    self._fail(seg, rule, position, k, plan[k - 1][6], "1", "mandatory element is missing", None)
        if rule.syntax_sets:
            self._syntax(seg, rule, position)
        return out

    def _new_shape(self, seg: list[str], rule: SegmentRule, position: int) -> dict[str, Any]:
        """Convert a valid segment whose shape has no builder: check the syntax notes (they depend
        on the shape alone, so a shape that passed is not checked again) and keep a builder for it
        if they pass."""
        shape = tuple(map(bool, seg))
        if rule.syntax_sets and shape not in rule.syntax_ok:
            if not self._syntax(seg, rule, position):
                return _paired(rule, seg)
            if len(rule.syntax_ok) > 1024:
                rule.syntax_ok.clear()
                # Builders stand for shapes known to pass, so they go with them.
                rule.shape_builders.clear()
                rule.dict_builders = [None] * len(rule.dict_builders)
            rule.syntax_ok.add(shape)
        build = _shape_builder(rule, shape) if "" in seg else _dict_builder(rule, len(seg))
        return build(seg) if build is not None else _paired(rule, seg)

    def _syntax(self, seg: list[str], rule: SegmentRule, position: int) -> bool:
        """X12 relational conditions between elements of one segment (AK4 codes 2 and 10); True if met."""
        ok = True
        present = {i for i, v in enumerate(seg) if v and not v.isspace()}
        for kind, positions, members in rule.syntax_sets:
            used = members & present
            if kind == "P":
                if not used or used == members:
                    continue
                at, code, why = min(members - used), "2", "{all} must be used together"
            elif kind == "R":
                if used:
                    continue
                at, code, why = positions[0], "2", "at least one of {all} is required"
            elif kind == "E":
                if len(used) < 2:
                    continue
                at, code, why = sorted(used)[1], "10", "only one of {all} may be used"
            elif kind == "C":
                if positions[0] not in used or used == members:
                    continue
                at, code, why = min(members - used), "2", "{rest} required when {first} is used"
            elif kind == "L":
                if positions[0] not in used or len(used) > 1:
                    continue
                at, code, why = positions[1], "2", "one of {rest} required when {first} is used"
            else:
                continue
            refs = [f"{rule.id}{p:02d}" for p in positions]
            note = kind + "".join(f"{p:02d}" for p in positions)
            text = why.format(all=", ".join(refs), rest=", ".join(refs[1:]), first=refs[0]) + f" (syntax {note})"
            self._syntax_fail(seg, rule, position, at, code, text)
            ok = False
        return ok

    def _syntax_fail(self, seg: list[str], rule: SegmentRule, position: int, at: int, code: str, why: str) -> None:
        data_ele = rule.plan[at - 1][6].data_ele if at <= len(rule.plan) else None
        bad = seg[at] if at < len(seg) else None
        self.errors.append(self.loc.element_error(why, code, position, rule.id, at, f"{rule.id}{at:02d}", data_ele, bad or None))

    def _fast_match(self, rule: SegmentRule) -> Any:
        """The segment's fast-path matcher for these delimiters (compiled once per delimiter set)."""
        delims = self.delims
        key = (delims.element, delims.component, delims.repetition)
        pattern = rule.fast.get(key, _UNSEEN)
        if pattern is _UNSEEN:
            pattern = rule.fast[key] = segment_pattern(rule, delims)
        # One-entry cache (one tuple, so threads never see a half-updated pair): consecutive sets of
        # an interchange share the same Delimiters object.
        match = pattern.fullmatch if pattern is not None else None
        rule.fast_last = (self.delims, match)
        return match

    def _check(self, seg: list[str], rule: SegmentRule, position: int, i: int, er: ElementRule, value: str) -> None:
        found = check_value(value, er)
        if found is not None:
            self._fail(seg, rule, position, i, er, found[0], found[1], value)

    def _extra(self, seg: list[str], rule: SegmentRule, position: int, i: int, out: dict[str, Any]) -> None:
        value = seg[i].strip()
        if not value:
            return
        out[f"{rule.id}{i:02d}"] = value
        if not any(e.code == "3" and e.segment_in_set == position for e in self.errors[-3:]):
            self.errors.append(
                self.loc.element_error(
                    f"{rule.id} has {len(seg) - 1} elements; the guide defines {len(rule.elements)}", "3", position, rule.id, i,
                    f"{rule.id}{i:02d}", None, seg[i],
                )
            )

    def _special(self, seg: list[str], rule: SegmentRule, position: int, i: int, er: ElementRule, value: str, out: dict[str, Any]) -> None:
        """Composite or repeated element: tree value is a list; check each component/repeat."""
        if self.rep is not None and self.rep in value:
            repeats = [x.strip() for x in value.split(self.rep)]
            items: list[Any] = []
            for x in repeats:
                if not x:
                    continue
                if er.components is not None:
                    self._composite(seg, rule, position, i, er, x)
                    items.append([p.strip() for p in x.split(self.comp)])
                elif self.comp in x:
                    self._fail(seg, rule, position, i, er, "13", f"simple element holds component separator {self.comp!r}", x)
                    items.append([p.strip() for p in x.split(self.comp)])
                else:
                    self._check(seg, rule, position, i, er, x)
                    items.append(x)
            if items:
                out[rule.plan[i - 1][0]] = items
            return
        if er.components is not None:
            self._composite(seg, rule, position, i, er, value)
        else:
            self._fail(seg, rule, position, i, er, "13", f"simple element holds component separator {self.comp!r}", value)
        out[rule.plan[i - 1][0]] = [p.strip() for p in value.split(self.comp)]

    def _composite(self, seg: list[str], rule: SegmentRule, position: int, i: int, er: ElementRule, value: str) -> None:
        parts = value.split(self.comp)
        comps = er.components or []
        if len(parts) > len(comps):
            self._fail(seg, rule, position, i, er, "13", f"{len(parts)} components; the guide defines {len(comps)}", value)
        for k, cr in enumerate(comps, 1):
            v = parts[k - 1].strip() if k <= len(parts) else ""
            if not v:
                if cr.usage == "R":
                    self._fail(seg, rule, position, i, cr, "1", "mandatory component is missing", None, k)
                continue
            found = check_value(v, cr)
            if found is not None:
                self._fail(seg, rule, position, i, cr, found[0], found[1], v, k)

    def _fail(
        self, seg: list[str], rule: SegmentRule, position: int, i: int, er: ElementRule, code: str, why: str,
        bad: str | None, component: int | None = None,
    ) -> None:
        self.errors.append(
            self.loc.element_error(f"{er.ref} (element {er.data_ele}): {why}", code, position, rule.id, i, er.ref, er.data_ele, bad, component)
        )


def load_overrides(source: Mapping[str, Any] | str | Path | None) -> dict[str, dict[str, Any]]:
    """Read a partner's guide overrides: a dict or a YAML file ``{set id: {override keys}}``, plus an
    optional ``envelope`` entry for extra ISA qualifiers.

    Example (YAML)::

        envelope: {ISA05: ["1B"], ISA07: ["1B"]}
        "214": {allow_segments: [EFI], elements: {AT701: {add_codes: [ZZ]}}}
        "990": {elements: {B104: {add_codes: [C]}}, segments: {N9: {max_use: 20}}}
    """
    if source is None:
        return {}
    if isinstance(source, (str, Path)):
        # YAML 1.2 scalars: a code such as NO or 01 stays the text the partner sends.
        try:
            data = load_yaml(source)
        except YamlSourceError as exc:
            raise GuideError(f"cannot read guide overrides {exc}") from None
    else:
        data = source
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
        raise GuideError("guide overrides must map a set id to a mapping of override keys")
    # The entries stay as read (positions included), so errors can say where in the file.
    return {str(k): v for k, v in data.items()}


class PartnerGuides:
    """Guides as seen by one partner: base guides with that partner's overrides, compiled once.

    Build one per partner and share it across that partner's messages: applying overrides copies
    and recompiles a guide, which is not something to do per message.
    """

    def __init__(self, base: GuideRegistry, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._base = base
        self._overrides = dict(overrides or {})
        self._cache: dict[tuple[str, str], Guide | None] = {}

    @property
    def envelope(self) -> Mapping[str, Any]:
        """Extra ISA05/ISA07 qualifiers this partner uses (the overrides' ``envelope`` entry)."""
        return self._overrides.get("envelope") or {}

    def check(self) -> None:
        """Apply every override now, so that a wrong one fails at start-up, not at the partner's
        first interchange; raises ``GuideError`` naming the set, version and override at fault."""
        partner_qualifiers(self.envelope)
        keys = self._base.keys()
        for set_id in self._overrides:
            if set_id == "envelope":
                continue
            try:
                versions = [version for sid, version in keys if sid == set_id]
                if not versions:
                    raise GuideError(f"overrides name set {set_id!r}, for which there is no guide "
                                     f"(guides: {', '.join(sorted({sid for sid, _ in keys}))})")
                for version in versions:
                    self.find(set_id, version)
            except GuideError as exc:
                where = position_of(self._overrides[set_id])  # known when read from a file
                raise GuideError(f"{where}: {exc.why}" if where else exc.why) from None

    def find(self, set_id: str, gs08: str) -> Guide | None:
        """The guide for a set and GS08, with this partner's overrides applied."""
        key = (set_id, gs08)
        if key not in self._cache:
            guide = self._base.find(set_id, gs08)
            over = self._overrides.get(set_id)
            self._cache[key] = guide.with_overrides(over) if guide is not None and over else guide
        return self._cache[key]
