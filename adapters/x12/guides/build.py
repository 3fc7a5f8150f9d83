"""Generate our pyx12-format map directories from the compact definitions in ``spec/``.

The XML under ``maps/<version>/`` is what the gateway loads (through pyx12's ``map_if``); the
``spec/`` text is how we author it, because hand-editing thousands of lines of map XML invites
inconsistencies. Regenerate after editing a spec file::

    .venv/bin/python -m adapters.x12.guides.build
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
SPEC = HERE / "spec"
MAPS = HERE / "maps"
VERSIONS = {"004010": ("4010", "00401"), "005010": ("5010", "00501")}
ID_QUALIFIERS = ["01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "27", "28", "29", "30", "33", "1B", "ZZ"]


@dataclass
class Element:
    data_ele: str
    usage: str
    codes: list[str] = field(default_factory=list)
    components: list[Element] = field(default_factory=list)


@dataclass
class Node:
    kind: str  # "seg" or "loop"
    id: str
    usage: str
    count: str
    children: list[Node] = field(default_factory=list)


@dataclass
class SetSpec:
    id: str
    fic: str
    versions: list[str]
    name: str
    body: list[Node]


def read_elements() -> dict[str, tuple[str, int, int, int, int, str]]:
    out = {}
    for line in (SPEC / "elements.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        num, typ, lo, hi = parts[0], parts[1], int(parts[2]), int(parts[3])
        rest = parts[4:]
        lo5, hi5 = lo, hi
        if len(rest) >= 2 and rest[0].isdigit() and rest[1].isdigit():
            lo5, hi5, rest = int(rest[0]), int(rest[1]), rest[2:]
        out[num] = (typ, lo, hi, lo5, hi5, " ".join(rest))
    return out


_ENTRY = re.compile(r"^(?:(C\d{3})\((.*)\)|([A-Z0-9]+))/([RS])(?:\{(.*)\})?$")


def _parse_entry(text: str) -> Element:
    m = _ENTRY.match(text)
    if not m:
        raise ValueError(f"bad element entry {text!r}")
    comp, inner, num, usage, codes = m.groups()
    codes_list = codes.split(",") if codes else []
    if comp:
        return Element(comp, usage, [], [_parse_entry(c) for c in inner.split(",")])
    return Element(num, usage, codes_list)


def read_segments() -> tuple[dict[str, list[Element]], dict[str, list[str]]]:
    """Element lists per segment id, and X12 syntax notes (``R0203``, ``P0304`` ...) per segment id."""
    out = {}
    syntax = {}
    for line in (SPEC / "segments.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        definition, _, notes = line.partition("|")
        seg_id, *entries = definition.split()
        out[seg_id] = [_parse_entry(e) for e in entries]
        syntax[seg_id] = notes.split()
    return out, syntax


def read_sets() -> list[SetSpec]:
    sets: list[SetSpec] = []
    stack: list[list[Node]] = []
    for line in (SPEC / "sets.txt").read_text().splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "set":
            spec = SetSpec(words[1], words[2], words[3].split(","), " ".join(words[4:]), [])
            sets.append(spec)
            stack = [spec.body]
        elif words[0] == "seg":
            stack[-1].append(Node("seg", words[1], words[2], words[3]))
        elif words[0] == "loop":
            node = Node("loop", words[1], words[2], words[3])
            stack[-1].append(node)
            stack.append(node.children)
        elif words[0] == "end":
            stack.pop()
    return sets


class Writer:
    def __init__(self, segments: dict[str, list[Element]], names: dict[str, str], syntax: dict[str, list[str]]) -> None:
        self.segments = segments
        self.names = names
        self.syntax = syntax
        self.lines: list[str] = []
        self.used: set[str] = set()

    def w(self, depth: int, text: str) -> None:
        self.lines.append("  " * depth + text)

    def element(self, depth: int, xid: str, el: Element, seq: int) -> None:
        if el.components:
            self.w(depth, "<composite>")
            self.w(depth + 1, f"<data_ele>{el.data_ele}</data_ele>")
            self.w(depth + 1, f"<name>{el.data_ele}</name>")
            self.w(depth + 1, f"<usage>{el.usage}</usage>")
            self.w(depth + 1, f"<seq>{seq:02d}</seq>")
            for k, comp in enumerate(el.components, 1):
                self.element(depth + 1, f"{xid}-{k:02d}", comp, k)
            self.w(depth, "</composite>")
            return
        self.used.add(el.data_ele)
        self.w(depth, f'<element xid="{xid}">')
        self.w(depth + 1, f"<data_ele>{el.data_ele}</data_ele>")
        self.w(depth + 1, f"<name>{escape(self.names.get(el.data_ele, el.data_ele))}</name>")
        self.w(depth + 1, f"<usage>{el.usage}</usage>")
        self.w(depth + 1, f"<seq>{seq:02d}</seq>")
        if el.codes:
            self.w(depth + 1, "<valid_codes>")
            for code in el.codes:
                self.w(depth + 2, f"<code>{escape(code)}</code>")
            self.w(depth + 1, "</valid_codes>")
        self.w(depth, "</element>")

    def segment(self, depth: int, seg_id: str, usage: str, pos: int, max_use: str, elements: list[Element]) -> None:
        self.w(depth, f'<segment xid="{seg_id}">')
        self.w(depth + 1, f"<name>{seg_id}</name>")
        self.w(depth + 1, f"<usage>{usage}</usage>")
        self.w(depth + 1, f"<pos>{pos:03d}</pos>")
        self.w(depth + 1, f"<max_use>{escape(max_use)}</max_use>")
        for note in self.syntax.get(seg_id, ()):
            self.w(depth + 1, f"<syntax>{note}</syntax>")
        for seq, el in enumerate(elements, 1):
            self.element(depth + 1, f"{seg_id}{seq:02d}", el, seq)
        self.w(depth, "</segment>")

    def body(self, depth: int, nodes: list[Node], start: int) -> int:
        pos = start
        for node in nodes:
            pos += 10
            if node.kind == "seg":
                self.segment(depth, node.id, node.usage, pos, node.count, self.segments[node.id])
            else:
                self.w(depth, f'<loop xid="{node.id}_LOOP" type="explicit">')
                self.w(depth + 1, f"<name>{node.id} loop</name>")
                self.w(depth + 1, f"<usage>{node.usage}</usage>")
                self.w(depth + 1, f"<pos>{pos:03d}</pos>")
                self.w(depth + 1, f"<repeat>{escape(node.count)}</repeat>")
                self.body(depth + 1, node.children, pos - 10)
                self.w(depth, "</loop>")
        return pos


def envelope_segments(version: str, fic: str, set_id: str) -> dict[str, list[Element]]:
    icvn = VERSIONS[version][1]
    isa = [
        Element("I01", "R", ["00", "01", "02", "03", "04", "05", "06"]),
        Element("I02", "R"),
        Element("I03", "R", ["00", "01"]),
        Element("I04", "R"),
        Element("I05", "R", ID_QUALIFIERS),
        Element("I06", "R"),
        Element("I05", "R", ID_QUALIFIERS),
        Element("I07", "R"),
        Element("I08", "R"),
        Element("I09", "R"),
        Element("I65" if version == "005010" else "I10", "R"),
        Element("I11", "R", [icvn]),
        Element("I12", "R"),
        Element("I13", "R", ["0", "1"]),
        Element("I14", "R", ["I", "P", "T"]),
        Element("I15", "R"),
    ]
    gs = [
        Element("479", "R", [fic]),
        Element("142", "R"),
        Element("124", "R"),
        Element("373", "R"),
        Element("337", "R"),
        Element("28", "R"),
        Element("455", "R", ["T", "X"]),
        Element("480", "R"),
    ]
    st = [Element("143", "R", [set_id]), Element("329", "R"), Element("1705", "S")]
    return {
        "ISA": isa,
        "GS": gs,
        "ST": st,
        "GE": [Element("97", "R"), Element("28", "R")],
        "IEA": [Element("I16", "R"), Element("I12", "R")],
    }


def _for_version(table: dict[str, Any], version: str) -> dict[str, Any]:
    suffix = "@" + version
    return {**{k: v for k, v in table.items() if "@" not in k},
            **{k[: -len(suffix)]: v for k, v in table.items() if k.endswith(suffix)}}


def render_map(
    spec: SetSpec, version: str, segments: dict[str, list[Element]], names: dict[str, str], syntax: dict[str, list[str]]
) -> tuple[str, set[str]]:
    segments = _for_version(segments, version)
    env = envelope_segments(version, spec.fic, spec.id)
    wr = Writer({**segments, **env}, names, _for_version(syntax, version))
    wr.w(0, '<?xml version="1.0" encoding="utf-8"?>')
    wr.w(0, "<!-- Generated by adapters/x12/guides/build.py from spec/; edit the spec, not this file. -->")
    wr.w(0, f'<transaction xid="{spec.id}">')
    wr.w(1, f"<name>{escape(spec.name)} {version}</name>")
    wr.w(1, '<loop xid="ISA_LOOP" type="explicit">')
    wr.w(2, "<name>Interchange Control Header</name><usage>R</usage><pos>001</pos><repeat>&gt;1</repeat>")
    wr.segment(2, "ISA", "R", 10, "1", env["ISA"])
    wr.w(2, '<loop xid="GS_LOOP" type="explicit">')
    wr.w(3, "<name>Functional Group Header</name><usage>R</usage><pos>020</pos><repeat>&gt;1</repeat>")
    wr.segment(3, "GS", "R", 10, "1", env["GS"])
    wr.w(3, '<loop xid="ST_LOOP" type="explicit">')
    wr.w(4, "<name>Transaction Set Header</name><usage>R</usage><pos>020</pos><repeat>&gt;1</repeat>")
    wr.segment(4, "ST", "R", 5, "1", env["ST"])
    last = wr.body(4, spec.body, 0)
    wr.segment(4, "SE", "R", last + 10, "1", segments["SE"])
    wr.w(3, "</loop>")
    wr.segment(3, "GE", "R", 30, "1", env["GE"])
    wr.w(2, "</loop>")
    wr.segment(2, "IEA", "R", 30, "1", env["IEA"])
    wr.w(1, "</loop>")
    wr.w(0, "</transaction>")
    return "\n".join(wr.lines) + "\n", wr.used


def export_pyx12_map_dir(target: Path, version: str = "4010") -> Path:
    """Build a complete map directory for pyx12's own tools (``x12n_document``/``x12valid --map-path``).

    pyx12 has no overlay: a custom map directory must hold all its packaged files. This copies the
    installed pyx12 maps, adds ours (maps.xml entries, missing data elements) and widens the control
    map's ISA05/ISA07 qualifiers to transport ones (02 = SCAC). Our own reader does not need this.
    """
    # defusedxml has no inline types and its stubs are not installed.
    import defusedxml.ElementTree as ET  # type: ignore[import-untyped]

    ours = MAPS / version
    icvn = {"4010": "00401", "5010": "00501"}[version]
    shutil.copytree(str(importlib.resources.files("pyx12") / "map"), target, dirs_exist_ok=True)
    ours_index = ET.parse(ours / "maps.xml").getroot()
    entries = []
    for entry in ours_index.iter("map"):
        shutil.copy(ours / entry.text, target / entry.text)
        entries.append(f'    <map vriic="{entry.get("vriic")}" fic="{entry.get("fic")}" abbr="{entry.get("abbr")}">{entry.text}</map>')
    maps_xml = (target / "maps.xml").read_text()
    maps_xml = maps_xml.replace(f'<version icvn="{icvn}">', f'<version icvn="{icvn}">\n' + "\n".join(entries), 1)
    (target / "maps.xml").write_text(maps_xml)
    known = {e.get("ele_num") for e in ET.parse(target / "dataele.xml").getroot().iter("data_ele")}
    extra = [
        line for line in (ours / "dataele.xml").read_text().splitlines()
        if (m := re.search(r'ele_num="([^"]+)"', line)) and m.group(1) not in known
    ]
    dataele = (target / "dataele.xml").read_text().replace("</data_elements>", "\n".join(extra) + "\n</data_elements>")
    (target / "dataele.xml").write_text(dataele)
    control_name = f"x12.control.{icvn}.xml"
    control = (target / control_name).read_text()
    qualifiers = "".join(f"<code>{q}</code>" for q in ("02", "08", "12", "16"))
    (target / control_name).write_text(control.replace("<code>ZZ</code>", "<code>ZZ</code>" + qualifiers))
    return target


def main(out_dir: Path = MAPS) -> None:
    """Regenerate ``out_dir/<4010|5010>/`` (maps, dataele.xml, codes.xml, maps.xml) from ``spec/``."""
    elements = read_elements()
    names = {k: v[5] for k, v in elements.items()}
    segments, syntax = read_segments()
    sets = read_sets()
    for version, (short, icvn) in VERSIONS.items():
        out = out_dir / short
        out.mkdir(parents=True, exist_ok=True)
        used: set[str] = set()
        entries = []
        for spec in sets:
            if version not in spec.versions:
                continue
            xml, spec_used = render_map(spec, version, segments, names, syntax)
            used |= spec_used
            name = f"{spec.id}.{short}.xml"
            (out / name).write_text(xml)
            entries.append(f'    <map vriic="{version}" fic="{spec.fic}" abbr="{spec.id}">{name}</map>')
        missing = sorted(used - elements.keys())
        if missing:
            raise SystemExit(f"data elements used but not defined in elements.txt: {missing}")
        dataele = ['<?xml version="1.0" encoding="utf-8"?>', "<!-- Generated by build.py from spec/elements.txt -->", "<dataele>"]
        for num in sorted(used):
            typ, lo, hi, lo5, hi5, name = elements[num]
            if version == "005010":
                lo, hi = lo5, hi5
            dataele.append(
                f'  <data_ele ele_num="{num}" data_type="{typ}" min_len="{lo}" max_len="{hi}" name="{escape(name, {chr(34): "&quot;"})}"/>'
            )
        dataele.append("</dataele>")
        (out / "dataele.xml").write_text("\n".join(dataele) + "\n")
        (out / "codes.xml").write_text('<?xml version="1.0" encoding="utf-8"?>\n<codes/>\n')
        maps_xml = ['<?xml version="1.0" encoding="UTF-8"?>', "<maps>", f'  <version icvn="{icvn}">', *entries, "  </version>", "</maps>"]
        (out / "maps.xml").write_text("\n".join(maps_xml) + "\n")


if __name__ == "__main__":
    main()
