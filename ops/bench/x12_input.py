"""Benchmark input for the X12 benchmarks: tens of MB of real corpus sets in realistic envelopes,
and pyx12's own full validation as the peer measurement."""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from ops.bench.common import peak_rss_mb

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "x12"
# Component separator of the generated file; source values holding it are written back joined.
COMPONENT = ">"


def corpus_sets(sources: list[str], accepted_only: bool) -> dict[str, list[list[list[str]]]]:
    """Body segments (no ST/SE) of every 214 and 204 set in ``sources`` (only accepted ones if asked)."""
    from adapters.x12 import decode_x12

    out: dict[str, list[list[list[str]]]] = {"214": [], "204": []}
    for name in sources:
        for doc in decode_x12((CORPUS / name).read_bytes(), validate=accepted_only).documents:
            if accepted_only and not doc.accepted:
                continue
            body = [[(v if isinstance(v, str) else COMPONENT.join(v)).strip() for v in seg]
                    for seg in doc.raw_segments[1:]]
            if body and body[-1][0] == "SE":
                body.pop()
            out[doc.set_id].append(body)
    return out


def build_file(path: Path, megabytes: float, sets: dict[str, list[list[list[str]]]], seed: int = 7) -> dict[str, int]:
    """Write interchanges of 214 groups (QM) and 204 groups (SM), 50-500 sets each, up to ``megabytes``."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    size = isa_n = gs_n = st_n = segments = 0
    with path.open("w", encoding="ascii", newline="") as fh:
        while size < target:
            isa_n += 1
            parts = [(f"ISA*00*          *00*          *02*CARR           *ZZ*GATEWAY        *260101*1200*U*00401*"
                      f"{isa_n:09d}*0*P*{COMPONENT}~\n")]
            groups = rng.randint(1, 3)
            for _ in range(groups):
                gs_n += 1
                set_id = rng.choice(("214", "214", "204"))
                parts.append(f"GS*{'QM' if set_id == '214' else 'SM'}*CARR*GATEWAY*20260101*1200*{gs_n}*X*004010~\n")
                n_sets = rng.randint(50, 500)
                for _ in range(n_sets):
                    st_n += 1
                    body = rng.choice(sets[set_id])
                    ctl = f"{st_n % 1_000_000_000:09d}"
                    parts.append(f"ST*{set_id}*{ctl}~\n")
                    parts.extend("*".join(seg) + "~\n" for seg in body)
                    parts.append(f"SE*{len(body) + 2}*{ctl}~\n")
                    segments += len(body) + 2
                parts.append(f"GE*{n_sets}*{gs_n}~\n")
                segments += 2
            parts.append(f"IEA*{groups}*{isa_n:09d}~\n")
            segments += 2
            text = "".join(parts)
            fh.write(text)
            size += len(text)
    return {"bytes": size, "interchanges": isa_n, "groups": gs_n, "sets": st_n, "segments": segments}


def slice_file(src: Path, dst: Path, megabytes: float) -> int:
    """Copy whole interchanges from ``src`` until ``megabytes`` (pyx12's validator is too slow for all)."""
    data = src.read_text()
    ends = [m.end() for m in re.finditer(r"IEA\*[^~]*~\n", data)]
    cut = next((e for e in ends if e >= int(megabytes * 1_000_000)), ends[-1])
    dst.write_text(data[:cut])
    return cut


def pyx12_validate(path: str, map_dir: str) -> dict[str, float]:
    """pyx12's own full validation (x12n_document) of a file with our maps, timed."""
    import io
    import logging

    import pyx12.params
    from pyx12.x12n_document import x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    params = pyx12.params.params()
    t0, c0 = time.perf_counter(), time.process_time()
    ack = io.StringIO()
    with open(path, encoding="ascii") as src:
        ok = x12n_document(params, src, ack, None, None, map_path=map_dir)
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "valid": bool(ok),
            "rejected_sets": ack.getvalue().count("AK5*R")}


def x12_bench_arguments(description: str, children: dict[str, Callable[..., dict[str, float]]]) -> argparse.Namespace | None:
    """The X12 benchmarks' options; None when this process is a child that has printed its result."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--mb", type=float, default=30.0, help="size of the benchmark file")
    ap.add_argument("--pyx12-mb", type=float, default=1.0, help="slice size for pyx12's full validation")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if not args.child:
        return args
    result = children[args.child[0]](*args.child[1:])
    result["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))
    return None
