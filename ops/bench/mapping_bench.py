"""Mapping throughput: compiled mappings + fast validation vs a straightforward interpreter.

Both sides read the same mapping file and the same real carrier samples and must produce the
same events (checked before timing). The baseline walks the YAML template for every message,
answers each path with ``jmespath.search`` and validates with jsonschema's Draft 2020-12
validator — what a first implementation would do. The gateway's side runs the compiled mapping
(one generated function per event template) and the fast validator (jsonschema-rs; jsonschema only
to explain a rejection). One process, one core.

    .venv/bin/python ops/bench/mapping_bench.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import jmespath
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from canonical.validate import CanonicalValidator  # noqa: E402
from gateway.documents import Document  # noqa: E402
from gateway.mapping import (  # noqa: E402
    MappingContext,
    MappingRegistry,
    timevalues,
)
from gateway.mapping.compiled import derived_event_id  # noqa: E402
from gateway.mapping.environment import default_environment  # noqa: E402
from gateway.mapping.functions import build_function, json_number, to_decimal  # noqa: E402
from gateway.mapping.tables import Table  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "carrier"
CASES = [("easypost-tracker", "easypost-tracker-updated-webhook-fedex.json"),
         ("shippo-track", "shippo-track-usps-delivered.json")]
CTX = MappingContext(partner="bench", channel="webhook", message_id="01JBENCH00000000000000000",
                     received_at="2026-01-01T00:00:00Z")
SOURCES = ("from", "const", "format", "first", "switch", "hash", "datetime", "measure")


class Interpreter:
    """The baseline: evaluates the raw template per message with jmespath.search for every path."""

    def __init__(self, doc: dict[str, Any], tables: dict[str, Table], ce_types: dict[str, tuple[str, str, str]]) -> None:
        self.doc, self.tables, self.ce_types = doc, tables, ce_types
        self.name = f"{doc['mapping']}@{doc['version']}"

    def value(self, spec: Any, b: dict[str, Any]) -> Any:
        if isinstance(spec, list):
            out = []
            for item in spec:
                if isinstance(item, dict) and "$each" in item:
                    inner = {k: v for k, v in item.items() if k not in ("$each", "$as")}
                    for element in jmespath.search(item["$each"], b) or []:
                        v = self.value(inner, dict(b, **{item.get("$as", "item"): element}))
                        if v is not None:
                            out.append(v)
                else:
                    v = self.value(item, b)
                    if v is not None:
                        out.append(v)
            return out or None
        if not isinstance(spec, dict):
            return spec
        if not any(k in spec for k in SOURCES):
            if "$when" in spec and not jmespath.search(spec["$when"], b):
                return None
            out = {}
            for key, sub in spec.items():
                if key == "$when":
                    continue
                v = self.value(sub, b)
                if v is not None:
                    out[key] = v
            return out or None
        if "when" in spec and not jmespath.search(spec["when"], b):
            return None
        if "from" in spec:
            v = jmespath.search(spec["from"], b)
        elif "first" in spec:
            v = None
            for option in spec["first"]:
                v = jmespath.search(option, b) if isinstance(option, str) else self.value(option, b)
                if v not in (None, ""):
                    break
        elif "format" in spec:
            parts = re.split(r"\{([^{}]+)\}", spec["format"])
            values = [jmespath.search(p.strip(), b) if i % 2 else p for i, p in enumerate(parts)]
            v = None if any(x in (None, "") for x in values[1::2]) else "".join(str(x) for x in values)
        elif "switch" in spec:
            v = None
            for case in spec["switch"]:
                if "else" in case or jmespath.search(case["when"], b):
                    v = self.value(case.get("then", case.get("else")), b)
                    break
        elif "const" in spec:
            v = spec["const"]
        elif "hash" in spec:
            parts = [jmespath.search(p, b) for p in spec["hash"]]
            v = None if all(p is None for p in parts) else hashlib.sha256(
                "\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:32]
        elif "datetime" in spec:
            d = spec["datetime"]
            raw = jmespath.search(d["from"], b)
            zone = self.value(d["tz"], b) if "tz" in d else None
            v = None if raw in (None, "") else timevalues.parse_iso(str(raw), zone, d.get("format") == "date")
        elif "measure" in spec:
            m = spec["measure"]
            raw = self.value(m["value"], b)
            if raw in (None, ""):
                return None
            unit = self.value(m["unit"], b)
            entry = self.tables["units"].get(unit)
            n = to_decimal(raw)
            v = {"kind": m["kind"], "value": json_number(round((n + to_decimal(entry["offset"])) * to_decimal(entry["factor"]), 6)),
                 "unit": entry["canonical"], "source": {"value": json_number(n), "unit": unit}}
        else:
            raise NotImplementedError(spec)
        for step in spec.get("apply") or []:
            if v is not None:
                v = build_function(step)[1](v)
        if "lookup" in spec and v is not None:
            lk = spec["lookup"] if isinstance(spec["lookup"], dict) else {"table": spec["lookup"], "field": None}
            found = self.tables[lk["table"]].get(str(v))
            v = found.get(lk["field"]) if isinstance(found, dict) and lk.get("field") else found
        if v in (None, ""):
            v = spec.get("default")
        if v is None and spec.get("required"):
            raise ValueError("required value is missing")
        return v

    def apply(self, tree: Any) -> list[dict[str, Any]]:
        b: dict[str, Any] = {"doc": tree, "meta": {}}
        for name, expr in (self.doc.get("let") or {}).items():
            b[name] = jmespath.search(expr, b) if isinstance(expr, str) else self.value(expr, b)
        out: list[dict[str, Any]] = []
        for event in self.doc["events"]:
            ce_type, schema_id, event_class = self.ce_types[event["type"]]
            loops = event.get("each") or []
            if isinstance(loops, str):
                loops = [{"in": loops, "as": event.get("as", "item")}]
            self._loop(event, loops, b, out, ce_type, schema_id, event_class)
        return out

    def _loop(self, event, loops, b, out, ce_type, schema_id, event_class) -> None:
        if not loops:
            data = self.value(event["data"], b) or {}
            data.setdefault("eventClass", event_class)
            data["receivedAt"] = CTX.received_at
            data["provenance"] = {"partnerId": CTX.partner, "channel": CTX.channel, "mapping": self.name,
                                  "rawMessageId": CTX.message_id, "sourceFormat": self.doc["mapping"]}
            subject = f"{data['subject']['type']}:{data['subject']['value']}"
            occurred = data.get("occurredAt") or {}
            out.append({"specversion": "1.0", "id": derived_event_id(f"{CTX.message_id}/0/{self.name}/{len(out)}"),
                        "source": f"/partners/{CTX.partner}/{CTX.channel}", "type": ce_type,
                        "time": occurred.get("instantUtc") or occurred.get("instant") or CTX.received_at,
                        "datacontenttype": "application/json", "dataschema": schema_id, "partner": CTX.partner,
                        "mapping": self.name, "rawmessageid": CTX.message_id, "subject": subject,
                        "partitionkey": subject, "data": data})
            return
        loop, rest = loops[0], loops[1:]
        for i, item in enumerate(jmespath.search(loop["in"], b) or []):
            if "when" in event and not rest and not jmespath.search(event["when"], dict(b, **{loop["as"]: item, "index": i})):
                continue
            self._loop(event, rest, dict(b, **{loop["as"]: item, "index": i}), out, ce_type, schema_id, event_class)


def measure(fn, seconds: float) -> tuple[float, int]:
    count, start = 0, time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        count += fn()
    return count / (time.perf_counter() - start), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    env = default_environment()
    registry = MappingRegistry([ROOT / "mappings"], env)
    registry.load()
    validator = CanonicalValidator()
    from canonical.events import EVENT_TYPES
    ce_types = {n: (t.ce_type, t.schema_id, t.event_class) for n, t in EVENT_TYPES.items()}
    print(f"{'mapping':<22} {'sample':<46} {'gateway ev/s':>13} {'baseline ev/s':>14} {'speed-up':>9}")
    for name, sample in CASES:
        tree = json.loads((CORPUS / sample).read_bytes())
        compiled = registry.get(name)
        source = registry.source(name)
        baseline = Interpreter(json.loads(json.dumps(source.doc)), dict(env.tables), ce_types)
        full = {t.ce_type: Draft202012Validator(validator.store.event_schema(n)) for n, t in EVENT_TYPES.items()}
        document = Document(tree=tree, format="json", kind="json")
        ours = compiled.apply(document, CTX)
        theirs = baseline.apply(tree)
        if ours != theirs:
            raise SystemExit("baseline and gateway disagree on the events; the comparison would be unfair")

        # Both sides are measured within this iteration, so they see its own mapping and input.
        def gateway_side() -> int:
            events = compiled.apply(document, CTX)  # noqa: B023
            for event in events:
                validator.validate_event(event)
            return len(events)

        def baseline_side() -> int:
            events = baseline.apply(tree)  # noqa: B023
            for event in events:
                full[event["type"]].validate(event)  # noqa: B023
            return len(events)

        ours_rate, _ = measure(gateway_side, args.seconds)
        base_rate, _ = measure(baseline_side, args.seconds)
        print(f"{name:<22} {sample:<46} {ours_rate:>13,.0f} {base_rate:>14,.0f} {ours_rate / base_rate:>8.1f}x")


if __name__ == "__main__":
    main()
