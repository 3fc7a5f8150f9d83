"""Implementation guides: our pyx12 maps, each loaded once and compiled into lookup tables.

The maps in ``guides/maps/<4010|5010>/`` (pyx12 map format) are the single definition of segment
order, loops, usage, max use, element numbers, lengths and code lists. pyx12's ``map_if`` reads them
once per process; we then compile its node tree into plain dicts and lists because walking pyx12's
objects per segment is what makes pyx12's own validation run at 0.4 MB/s.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as ET
import pyx12.errors
import pyx12.params
from pyx12.map_if import load_map_file

from adapters.x12.errors import GuideError

MAPS_DIR = Path(__file__).parent / "guides" / "maps"
_UNBOUNDED = 10**9


@dataclass(slots=True)
class ElementRule:
    """One element position of a segment as the guide defines it."""

    ref: str
    data_ele: str
    usage: str
    data_type: str
    min_len: int
    max_len: int
    codes: frozenset[str] | None = None
    components: list[ElementRule] | None = None
    memo: dict[str, tuple[str, str] | None] = field(default_factory=dict, repr=False, compare=False)


@dataclass(slots=True)
class SegmentRule:
    """A segment at one place in a set: usage, max use and its element rules."""

    id: str
    usage: str
    max_use: int
    elements: list[ElementRule]
    keys: list[str] = field(default_factory=list)
    composite_positions: frozenset[int] = frozenset()
    plan: list[tuple[str, int, int, int, frozenset[str] | None, bool, ElementRule]] = field(default_factory=list)
    required_positions: list[int] = field(default_factory=list)
    value_keys: list[str] = field(default_factory=list)
    fast: dict[tuple[str, str, str | None], Any] = field(default_factory=dict, repr=False)
    fast_last: tuple[Any, Any] = field(default=(None, None), repr=False)
    syntax: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    syntax_sets: list[tuple[str, tuple[int, ...], frozenset[int]]] = field(default_factory=list)
    syntax_ok: set[tuple[bool, ...]] = field(default_factory=set, repr=False)
    # Per element count: the function turning a valid segment with no empty element into its dict
    # (see validate.py); set only once that shape has passed the syntax notes.
    dict_builders: list[Any] = field(default_factory=list, repr=False)
    # The same for segments with empty elements, per shape (which positions are used).
    shape_builders: dict[tuple[bool, ...], Any] = field(default_factory=dict, repr=False)

    def compile(self) -> None:
        """Precompute the per-element checks the validator runs for every occurrence of this segment."""
        self.keys = segment_keys(self.id, max(99, len(self.elements)))
        self.composite_positions = frozenset(i + 1 for i, e in enumerate(self.elements) if e.components is not None)
        self.plan = [
            (self.keys[i], _check_kind(e), e.min_len, e.max_len, e.codes, e.usage == "R", e)
            for i, e in enumerate(self.elements, 1)
        ]
        self.required_positions = [i for i, e in enumerate(self.elements, 1) if e.usage == "R"]
        self.value_keys = self.keys[1:]
        self.syntax_sets = [(kind, positions, frozenset(positions)) for kind, positions in self.syntax]
        self.syntax_ok = set()
        self.fast = {}
        self.fast_last = (None, None)
        self.dict_builders = [None] * (len(self.elements) + 2)
        self.shape_builders = {}


# Check kinds, so the validator's inner loop branches on an int instead of re-reading types.
KIND_LENGTH = 0
KIND_CODES = 1
KIND_NUMERIC = 2
KIND_OTHER = 3
KIND_COMPOSITE = 4


def _check_kind(rule: ElementRule) -> int:
    if rule.components is not None:
        return KIND_COMPOSITE
    if rule.data_type in ("AN", "ID") and rule.codes is None:
        return KIND_LENGTH
    if rule.data_type == "ID":
        return KIND_CODES
    if rule.data_type == "N0":
        return KIND_NUMERIC
    return KIND_OTHER


@dataclass(slots=True)
class LoopRule:
    """A loop (or the set body): ordered children and an index from segment id to child positions."""

    id: str
    key: str
    usage: str
    repeat: int
    children: list[SegmentRule | LoopRule]
    # after[pos][segment id]: the first child at or after pos that the segment can be (one lookup per segment).
    after: list[dict[str, int]] = field(default_factory=list)
    required: list[int] = field(default_factory=list)
    required_after_first: list[int] = field(default_factory=list)
    is_loop: list[bool] = field(default_factory=list)

    @property
    def first_segment(self) -> str:
        return self.children[0].id if isinstance(self.children[0], SegmentRule) else self.children[0].first_segment

    def compile(self) -> None:
        self.required = []
        self.is_loop = [isinstance(c, LoopRule) for c in self.children]
        # Built from the last child back: each position adds itself to the table of the one after it.
        after: list[dict[str, int]] = [{}]
        for pos in range(len(self.children) - 1, -1, -1):
            child = self.children[pos]
            sid = child.id if isinstance(child, SegmentRule) else child.first_segment
            after.append({**after[-1], sid: pos})
        self.after = after[::-1]
        for pos, child in enumerate(self.children):
            if child.usage == "R":
                self.required.append(pos)
            if isinstance(child, LoopRule):
                child.compile()
        self.required_after_first = [pos for pos in self.required if pos > 0]


@dataclass(slots=True)
class Guide:
    """A compiled guide for one transaction set and version."""

    set_id: str
    version: str
    functional_id: str
    name: str
    body: LoopRule
    st: SegmentRule
    se: SegmentRule
    isa: SegmentRule
    gs: SegmentRule
    segment_ids: frozenset[str]
    allowed_extra: frozenset[str] = frozenset()

    def with_overrides(self, overrides: Mapping[str, Any]) -> Guide:
        """Return a copy changed by a partner's overrides (see :func:`apply_overrides`)."""
        return apply_overrides(self, overrides)


def segment_keys(seg_id: str, count: int = 99) -> list[str]:
    """Element reference names for a segment: index 0 is the id, then e.g. N101, N102..."""
    return [seg_id] + [f"{seg_id}{i:02d}" for i in range(1, count + 1)]


def _max(value: str | None) -> int:
    if not value or value.startswith(">"):
        return _UNBOUNDED
    return int(value)


def _element(node: Any, ref: str) -> ElementRule:
    if node.is_composite():
        comps = [_element(c, f"{ref}-{k:02d}") for k, c in enumerate(node.children, 1)]
        return ElementRule(ref, node.data_ele, node.usage, "COMP", 0, 0, None, comps)
    codes = frozenset(node.valid_codes) if node.valid_codes else None
    return ElementRule(ref, node.data_ele, node.usage, node.data_type, node.min_len, node.max_len, codes)


def _segment(node: Any) -> SegmentRule:
    elements = [_element(e, f"{node.id}{k:02d}") for k, e in enumerate(node.children, 1)]
    rule = SegmentRule(node.id, node.usage, _max(node.max_use), elements, syntax=[(note[0], tuple(note[1:])) for note in node.syntax])
    rule.compile()
    return rule


def _loop(node: Any, ids: set[str]) -> LoopRule:
    children: list[SegmentRule | LoopRule] = []
    for child in node.childIterator():
        if child.is_loop():
            children.append(_loop(child, ids))
        else:
            rule = _segment(child)
            ids.add(rule.id)
            children.append(rule)
    first = children[0].id if isinstance(children[0], SegmentRule) else children[0].first_segment
    return LoopRule(node.id, f"{first}_loop", node.usage, _max(node.repeat), children)


def compile_map(root: Any, version: str, functional_id: str) -> Guide:
    """Compile a loaded pyx12 ``map_if`` into a :class:`Guide`."""
    isa = _segment(root.getnodebypath("/ISA_LOOP/ISA"))
    gs = _segment(root.getnodebypath("/ISA_LOOP/GS_LOOP/GS"))
    st_loop = root.getnodebypath("/ISA_LOOP/GS_LOOP/ST_LOOP")
    ids: set[str] = set()
    whole = _loop(st_loop, ids)
    st, se = whole.children[0], whole.children[-1]
    assert isinstance(st, SegmentRule) and isinstance(se, SegmentRule)
    body = LoopRule("SET", "set", "R", 1, whole.children[1:-1])
    body.compile()
    ids -= {"ST", "SE"}
    return Guide(root.id, version, functional_id, root.name or root.id, body, st, se, isa, gs, frozenset(ids))


@dataclass(frozen=True, slots=True)
class _MapEntry:
    """Where one guide's pyx12 map lies, as a ``maps.xml`` index lists it."""

    file: str
    directory: str
    version: str
    functional_id: str
    set_id: str


class GuideRegistry:
    """All guides, keyed by (set id, base version such as ``004010``).

    Each map is read and compiled the first time a set asks for it: reading all of them costs
    about half a second, and a command translating one 214 file needs one guide.
    """

    def __init__(self, entries: dict[tuple[str, str], _MapEntry]) -> None:
        self._entries = entries
        self._guides: dict[tuple[str, str], Guide] = {}
        self._lock = threading.Lock()   # pipeline workers may ask for the same guide at once
        self._params: Any = None

    @classmethod
    def load(cls, maps_dir: Path = MAPS_DIR) -> GuideRegistry:
        """Index every map listed in each ``maps.xml`` under ``maps_dir``."""
        entries: dict[tuple[str, str], _MapEntry] = {}
        for version_dir in sorted(p for p in maps_dir.iterdir() if (p / "maps.xml").is_file()):
            tree = ET.parse(version_dir / "maps.xml")
            for node in tree.getroot().iter("map"):
                entry = _MapEntry(str(node.text), str(version_dir), str(node.get("vriic")), str(node.get("fic")),
                                  str(node.get("abbr")))
                entries[(entry.set_id, entry.version)] = entry
        return cls(entries)

    def find(self, set_id: str, gs08: str) -> Guide | None:
        """The guide for a set, matching GS08 exactly or by its 6-character base version."""
        return self._get((set_id, gs08)) or self._get((set_id, gs08[:6]))

    def load_all(self) -> GuideRegistry:
        """Read every guide now (a server does, so that no partner's first message waits for it)."""
        for key in self._entries:
            self._get(key)
        return self

    def keys(self) -> list[tuple[str, str]]:
        return sorted(self._entries)

    def _get(self, key: tuple[str, str]) -> Guide | None:
        guide = self._guides.get(key)
        if guide is not None or key not in self._entries:
            return guide
        with self._lock:
            if key not in self._guides:
                self._guides[key] = self._compile(self._entries[key])
            return self._guides[key]

    def _compile(self, entry: _MapEntry) -> Guide:
        if self._params is None:
            self._params = pyx12.params.params()
        try:
            root = load_map_file(entry.file, self._params, entry.directory)
        except (SyntaxError, pyx12.errors.EngineError, pyx12.errors.XML_Reader_Error, OSError) as exc:
            raise GuideError(f"{entry.directory}/{entry.file}: cannot read this guide's map: {exc}") from None
        guide = compile_map(root, entry.version, entry.functional_id)
        if guide.set_id != entry.set_id:
            raise GuideError(f"{entry.directory}/maps.xml lists {entry.file} as set {entry.set_id}, "
                             f"but the map defines set {guide.set_id}")
        return guide


@functools.lru_cache(maxsize=1)
def default_registry() -> GuideRegistry:
    """The project's guides, indexed on first use and shared by the process."""
    return GuideRegistry.load()


def apply_overrides(guide: Guide, overrides: Mapping[str, Any]) -> Guide:
    """Return a copy of ``guide`` adjusted by a partner's overrides.

    Recognised keys: ``allow_segments`` (ids accepted anywhere in the set without error),
    ``segments`` ({id: {usage, max_use}}) and ``elements`` ({ref: {usage, codes, add_codes,
    min_len, max_len}}).
    """
    unknown = set(overrides) - {"allow_segments", "segments", "elements"}
    if unknown:
        raise GuideError(f"unknown override keys {sorted(unknown)} for guide {guide.set_id}/{guide.version}")
    new = copy.deepcopy(guide)
    new.allowed_extra = frozenset(overrides.get("allow_segments", ())) | guide.allowed_extra
    seg_over = overrides.get("segments", {})
    el_over = dict(overrides.get("elements", {}))
    touched: set[str] = set()
    for seg in _all_segments(new):
        if seg.id in seg_over:
            touched.add(seg.id)
            change = seg_over[seg.id]
            seg.usage = change.get("usage", seg.usage)
            seg.max_use = int(change.get("max_use", seg.max_use))
        for el in seg.elements:
            for rule in [el, *(el.components or [])]:
                if rule.ref in el_over:
                    touched.add(rule.ref)
                    _override_element(rule, el_over[rule.ref])
        seg.compile()
    missing = (set(seg_over) | set(el_over)) - touched
    if missing:
        raise GuideError(f"overrides name {sorted(missing)}, which guide {guide.set_id}/{guide.version} does not have")
    new.body.compile()
    return new


def _override_element(rule: ElementRule, change: Mapping[str, Any]) -> None:
    rule.memo = {}
    rule.usage = change.get("usage", rule.usage)
    rule.min_len = int(change.get("min_len", rule.min_len))
    rule.max_len = int(change.get("max_len", rule.max_len))
    if "codes" in change:
        rule.codes = frozenset(change["codes"]) if change["codes"] is not None else None
    if "add_codes" in change and rule.codes is not None:
        rule.codes = rule.codes | frozenset(change["add_codes"])


def _all_segments(guide: Guide) -> list[SegmentRule]:
    out = [guide.isa, guide.gs, guide.st, guide.se]
    stack: list[LoopRule] = [guide.body]
    while stack:
        loop = stack.pop()
        for child in loop.children:
            if isinstance(child, LoopRule):
                stack.append(child)
            else:
                out.append(child)
    return out
