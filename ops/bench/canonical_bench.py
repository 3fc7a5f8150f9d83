"""Micro benchmark: canonical validator throughput on one core.

Usage: .venv/bin/python ops/bench/canonical_bench.py [--seconds 3]
Measures valid events/s for the typical shipment.status example (and every
other example type), plus the cost of the slow path on an invalid event.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from canonical.examples import EXAMPLES  # noqa: E402
from canonical.validate import CanonicalValidationError, CanonicalValidator  # noqa: E402


def rate(fn, seconds: float) -> float:
    """Calls per second of ``fn`` over roughly ``seconds`` of wall time."""
    n, batch = 0, 1000
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(batch):
            fn()
        n += batch
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    args = parser.parse_args()
    t0 = time.perf_counter()
    v = CanonicalValidator()
    print(f"compile all types: {time.perf_counter() - t0:.2f}s")
    for name, build in EXAMPLES.items():
        event = build()
        r = rate(lambda: v.validate_event(event), args.seconds)
        print(f"{name:24s} {r:10,.0f} valid events/s  ({1e6 / r:6.1f} us/event)")
    bad = EXAMPLES["shipment.status"]()
    bad["data"]["status"]["code"] = "NOPE"

    def invalid() -> None:
        try:
            v.validate_event(bad)
        except CanonicalValidationError:
            pass

    r = rate(invalid, args.seconds)
    print(f"{'invalid shipment.status':24s} {r:10,.0f} events/s (slow path, all errors)")


if __name__ == "__main__":
    main()
