"""Micro benchmark: canonical validator throughput on one core.

Usage: .venv/bin/python ops/bench/canonical_bench.py [--events 20000] [--engine rust]

Validates a stream of *distinct* events (ids, timestamps, PRO numbers and
weights differ per event, so neither engine can profit from repeated strings
more than a real stream would; codes such as units and countries repeat, as
they do in real traffic). Reports events/s by CPU time of this process, which
is stable on a shared machine, and by wall time.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from canonical.examples import EXAMPLES
from canonical.validate import CanonicalValidationError, CanonicalValidator


def shipment_stream(n: int) -> list[dict]:
    """``n`` distinct, valid shipment.status events."""
    base = EXAMPLES["shipment.status"]()
    t0 = datetime(2026, 1, 20, 14, 5, tzinfo=timezone(timedelta(hours=-5)))
    out = []
    for i in range(n):
        ev = copy.deepcopy(base)
        t = t0 + timedelta(seconds=37 * i)
        ev["id"] = f"01JH8Z6V7Q5W2N3X4Y{i:08d}"
        ev["time"] = t.isoformat()
        d = ev["data"]
        d["sourceEventId"] = f"214-{i:09d}"
        d["subject"]["value"] = d["identifiers"][0]["value"] = f"PRO{i:09d}"
        d["occurredAt"].update(instant=t.isoformat(),
                               instantUtc=t.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                               localDate=t.date().isoformat(), localTime=t.strftime("%H:%M"))
        d["receivedAt"] = (t + timedelta(seconds=72)).astimezone(UTC).isoformat().replace("+00:00", "Z")
        d["measurements"][0]["value"] = f"{1000 + i * 0.5:.1f}"
        out.append(ev)
    return out


ROOT = Path(__file__).resolve().parents[2]


def mapped_fixture_events() -> list[dict]:
    """shipment.status events the real mappings produce from real samples (if present)."""
    out = []
    for path in sorted(ROOT.glob("mappings/**/fixtures/*.expected.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ev = json.loads(line)
                if ev.get("type", "").endswith(".shipment.status.v1"):
                    out.append(ev)
    return out


def measure(validator: CanonicalValidator, events: list[dict], rounds: int = 3) -> tuple[float, float]:
    """Best (cpu events/s, wall events/s) over ``rounds`` passes."""
    best_cpu = best_wall = 0.0
    validate = validator.validate_event
    for _ in range(rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        for ev in events:
            validate(ev)
        c, w = time.process_time() - c0, time.perf_counter() - w0
        best_cpu, best_wall = max(best_cpu, len(events) / c), max(best_wall, len(events) / w)
    return best_cpu, best_wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--engine", choices=["rust", "fastjsonschema", "both"], default="both")
    args = parser.parse_args()
    stream = shipment_stream(args.events)
    engines = ["rust", "fastjsonschema"] if args.engine == "both" else [args.engine]
    for engine in engines:
        t0 = time.perf_counter()
        v = CanonicalValidator(engine=engine)
        print(f"[{engine}] compile all 11 types: {time.perf_counter() - t0:.2f}s")
        cpu, wall = measure(v, stream)
        print(f"[{engine}] shipment.status, {len(stream)} distinct events: "
              f"{cpu:,.0f}/s cpu-time ({1e6 / cpu:.1f} us), {wall:,.0f}/s wall")
        for name, build in EXAMPLES.items():
            cpu, _ = measure(v, [build()] * 2000)
            print(f"[{engine}]   {name:24s} {cpu:10,.0f}/s cpu-time (one example repeated)")
    v = CanonicalValidator()
    mapped = mapped_fixture_events()
    if mapped:
        cpu, wall = measure(v, mapped * max(1, 20000 // len(mapped)))
        print(f"[rust] shipment.status from mapping fixtures ({len(mapped)} distinct): "
              f"{cpu:,.0f}/s cpu-time, {wall:,.0f}/s wall")
    bad = copy.deepcopy(stream[0])
    bad["data"]["status"]["code"] = "NOPE"
    n, c0 = 300, time.process_time()
    for _ in range(n):
        try:
            v.validate_event(bad)
        except CanonicalValidationError:
            pass
    print(f"invalid event (slow path, all errors collected): {n / (time.process_time() - c0):,.0f}/s cpu-time")


if __name__ == "__main__":
    main()
