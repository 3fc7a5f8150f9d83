"""X12 reader benchmark: our tokenizer and decode+validate against pyx12, side by side.

Run: ``.venv/bin/python ops/bench/x12_bench.py [--mb 30] [--pyx12-mb 1]``

Builds a temp file of real 214 and 204 transaction sets from the shared corpus (renumbered, in groups
of 50-500 sets, several groups per interchange), then measures each reader in a fresh subprocess so
peak RSS belongs to that reader alone. Prints MB/s, segments/s and peak RSS.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ops.bench.common import run_child  # noqa: E402
from ops.bench.x12_input import build_file, corpus_sets, pyx12_validate, slice_file, x12_bench_arguments  # noqa: E402

SOURCES = [
    "214/alnk-214-single-line.edi",
    "214/canadapost-214-multi-st.edi",
    "214/cleo-epes-214.edi",
    "214/otmos-rlca-214-newline.edi",
    "204/conard-koch-204-indented.edi",
    "204/exspeedite-ruan-204-single-line.edi",
    "204/edilexparse-unilever-204.edi",
    "204/otmos-patrick-204.edi",
]


def pyx12_map_dir(tmp: Path) -> Path:
    """pyx12's packaged maps plus ours (see adapters.x12.guides.build.export_pyx12_map_dir)."""
    from adapters.x12.guides.build import export_pyx12_map_dir

    return export_pyx12_map_dir(tmp / "pyx12maps")


# --- child measurements (each in its own process) -------------------------------------------------

def child_ours_tokenize(path: str) -> dict[str, float]:
    from adapters.x12.tokenizer import Tokenizer, iter_chunks

    t0, c0 = time.perf_counter(), time.process_time()
    segs = 0
    for batch in Tokenizer(iter_chunks(path)).batches():
        segs += len(batch.segments)
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "segments": segs}


def child_ours_decode(path: str) -> dict[str, float]:
    from adapters.x12 import X12Decoder
    from adapters.x12.guide import default_registry
    from adapters.x12.tokenizer import iter_chunks

    default_registry().load_all()  # guide loading is a one-off per process, not per byte
    t0, c0 = time.perf_counter(), time.process_time()
    docs = bad = 0
    decoder = X12Decoder(iter_chunks(path))
    for doc in decoder.documents():
        docs += 1
        bad += not doc.accepted
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "sets": docs, "rejected_sets": bad,
            "errors": len(decoder.errors)}


def child_pyx12_raw(path: str) -> dict[str, float]:
    from pyx12.rawx12file import RawX12File

    t0, c0 = time.perf_counter(), time.process_time()
    with open(path, encoding="ascii") as fh:
        segs = sum(1 for _ in RawX12File(fh))
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "segments": segs}


def child_pyx12_reader(path: str) -> dict[str, float]:
    from pyx12.x12file import X12Reader

    t0, c0 = time.perf_counter(), time.process_time()
    reader = X12Reader(path)
    segs = sum(1 for _ in reader)
    reader.pop_errors()
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "segments": segs}


CHILDREN = {
    "ours_tokenize": child_ours_tokenize,
    "ours_decode": child_ours_decode,
    "pyx12_raw": child_pyx12_raw,
    "pyx12_reader": child_pyx12_reader,
    "pyx12_validate": pyx12_validate,
}


def main() -> None:
    args = x12_bench_arguments(__doc__.splitlines()[0], CHILDREN)
    if args is None:
        return
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        big = tmp / "bench.x12"
        facts = build_file(big, args.mb, corpus_sets(SOURCES, accepted_only=False))
        small = tmp / "slice.x12"
        small_bytes = slice_file(big, small, args.pyx12_mb)
        tiny = tmp / "tiny.x12"
        tiny_bytes = slice_file(big, tiny, args.mb / 10)
        maps = pyx12_map_dir(tmp)
        mb = facts["bytes"] / 1e6
        print(f"file: {mb:.1f} MB, {facts['interchanges']} interchanges, {facts['groups']} groups, "
              f"{facts['sets']} sets, {facts['segments']} segments (real 214/204 bodies from the corpus)")
        rows = [
            ("ours: tokenizer (stream, 64 KB chunks)", mb, run_child(__file__, "ours_tokenize", str(big))),
            ("ours: tokenizer, file 1/10 size (RSS check)", tiny_bytes / 1e6, run_child(__file__, "ours_tokenize", str(tiny))),
            ("ours: decode + guide validation (stream)", mb, run_child(__file__, "ours_decode", str(big))),
            ("pyx12: RawX12File splitter", mb, run_child(__file__, "pyx12_raw", str(big))),
            ("pyx12: X12Reader", mb, run_child(__file__, "pyx12_reader", str(big))),
            (f"pyx12: x12n_document + our map ({small_bytes / 1e6:.1f} MB)", small_bytes / 1e6,
             run_child(__file__, "pyx12_validate", str(small), str(maps))),
            (f"ours: decode + validation, same {small_bytes / 1e6:.1f} MB", small_bytes / 1e6, run_child(__file__, "ours_decode", str(small))),
        ]
        load = Path("/proc/loadavg").read_text().split()[0]
        print(f"load average at start: {load} (2 cores; MB/s by CPU time is the figure that survives a busy machine)")
        print(f"{'reader':<52} {'MB':>6} {'wall s':>7} {'MB/s':>6} {'cpu s':>7} {'MB/s':>6} {'peak RSS':>9}  notes")
        for label, size, res in rows:
            notes = {k: v for k, v in res.items() if k not in ("seconds", "cpu", "peak_rss_mb")}
            print(f"{label:<52} {size:6.1f} {res['seconds']:7.2f} {size / res['seconds']:6.1f} {res['cpu']:7.2f} "
                  f"{size / res['cpu']:6.1f} {res['peak_rss_mb']:7.0f}MB  {notes}")


if __name__ == "__main__":
    main()
