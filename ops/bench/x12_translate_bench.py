"""X12 full-translation benchmark: decode + guide validation + mapping + canonical validation, beside pyx12.

Run: ``.venv/bin/python ops/bench/x12_translate_bench.py [--mb 30] [--pyx12-mb 1]``

Builds a temp file from the real 214 and 204 transaction sets of the shared corpus that the reader
accepts (renumbered; 50-500 sets per functional group, 1-3 groups per interchange), checks that every
set in it is accepted, then measures in fresh subprocesses (so each peak RSS is that job's own):

* ours, ``gateway translate``'s own path: the X12 decoder (reading one set at a time) with guide
  validation, each accepted set mapped by the mapping its match rules select among all of
  ``mappings/``, every event validated against the canonical schema;
* ours, ``gateway translate --jobs 2``: the same, with the file cut into runs of whole interchanges
  that two forked worker processes read, map and validate, the events written in input order as
  JSON lines (work the one-process row does not do); CPU and peak RSS include the workers';
* ours, the pipeline: the file as one admitted message through ``MessageProcessor`` (the same
  translation, plus routing every event and serializing it as it would be stored);
* ours, the reader alone (decode and guide validation);
* pyx12: ``x12n_document`` with our 204/214 maps (adapters/x12/guides, exported read-only into a temp
  pyx12 map directory) on a slice of whole interchanges, since it runs two orders of magnitude slower.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ops.bench.common import run_child  # noqa: E402
from ops.bench.x12_input import build_file, corpus_sets, pyx12_validate, slice_file, x12_bench_arguments  # noqa: E402

if TYPE_CHECKING:
    from gateway.mapping.fixtures import FixtureRunner

SOURCES = [
    "214/alnk-214-single-line.edi",
    "214/canadapost-214-multi-st.edi",
    "214/cleo-epes-214.edi",
    "214/stedi-fedex-ground-214.edi",
    "214/edifabric-214-shipment-status.edi",
    "204/conard-koch-204-indented.edi",
    "204/exspeedite-ruan-204-single-line.edi",
    "204/edilexparse-unilever-204.edi",
    "204/gtlogistics-204.edi",
    "204/otmos-patrick-204.edi",
]
CTX = {"partner": "bench", "channel": "bench", "message_id": "bench", "received_at": "2026-01-01T00:00:00Z"}


def _loaded_runner() -> FixtureRunner:
    """What ``gateway translate`` loads before it reads a file (guides, mappings, schemas), once per process."""
    from adapters.x12.guide import default_registry
    from gateway.cli.common import runner_for

    runner = runner_for([ROOT / "mappings"])
    default_registry().load_all()
    return runner


def child_translate(path: str) -> dict[str, float]:
    """What ``gateway translate FILE`` does: stream-decode with guide validation, map each accepted
    set by the mapping its match rules select, validate every event against the canonical schema."""
    runner = _loaded_runner()
    body = Path(path).read_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    result = runner.decoders.decode(body, "application/edi-x12")
    events = sum(1 for _ in runner.iter_translate(result, None, CTX))
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "events": events,
            "rejected_sets": len(result.rejected), "warnings": len(result.warnings)}


def child_translate_jobs(path: str, jobs: str) -> dict[str, float]:
    """``gateway translate --jobs N``: the same translation with the file cut into runs of whole
    interchanges, read, mapped and validated by N forked worker processes, the events written as
    JSON lines in input order (to /dev/null), as the command writes them."""
    import os
    import resource

    from gateway.mapping.parallel import ProcessTranslator

    runner = _loaded_runner()
    body = Path(path).read_bytes()
    t0, c0, before = time.perf_counter(), time.process_time(), os.times()
    events = 0
    with open(os.devnull, "wb") as sink, ProcessTranslator(runner, int(jobs)) as translator:
        translation = translator.translate(body, "application/edi-x12", None, CTX)
        for lines, count in translation.lines():
            sink.write(lines)
            events += count
    after = os.times()
    workers_cpu = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0 + workers_cpu, "events": events,
            "rejected_sets": len(translation.rejected), "warnings": len(translation.warnings),
            "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def child_pipeline(path: str) -> dict[str, float]:
    """What the pipeline does with the file admitted as one message, short of storing the outcome:
    the translation above, plus routing each event and serializing it as it will be stored."""
    import gc

    from adapters.registry import default_decoders
    from adapters.x12.guide import default_registry
    from canonical.validate import CanonicalValidator
    from gateway.cli.common import load_registry
    from gateway.config.model import Route, RouteMatch
    from gateway.pipeline.processor import MessageProcessor, PipelineParts
    from gateway.route import Router
    from gateway.store.base import InboundMessage

    router = Router((Route("all-to-tms", RouteMatch(), ("tms",)),))
    processor = MessageProcessor(PipelineParts(default_decoders(), load_registry([ROOT / "mappings"]),
                                               CanonicalValidator(), router, {}))
    message = InboundMessage(id="01JBENCH000000000000000000", partner="bench", channel="bench",
                             content_type="application/edi-x12", body=Path(path).read_bytes(),
                             received_at="2026-01-01T00:00:00Z", trace_context={})
    default_registry().load_all()
    gc.freeze()  # as `gateway serve` does once everything is loaded
    t0, c0 = time.perf_counter(), time.process_time()
    outcome = processor.process(message, "bench")
    if outcome.quarantine is not None:
        raise SystemExit(f"the benchmark message was quarantined: {outcome.quarantine}")
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "events": len(outcome.events),
            "deliveries": len(outcome.deliveries)}


def child_decode(path: str) -> dict[str, float]:
    """The reader alone (stream decode with guide validation): how much of the time is decoding."""
    from adapters.x12 import X12Decoder
    from adapters.x12.guide import default_registry
    from adapters.x12.tokenizer import iter_chunks

    default_registry().load_all()
    t0, c0 = time.perf_counter(), time.process_time()
    sets = sum(1 for _ in X12Decoder(iter_chunks(path)).documents())
    return {"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0, "sets": sets}


CHILDREN = {"translate": child_translate, "translate_jobs": child_translate_jobs, "pipeline": child_pipeline,
            "decode": child_decode,
            "pyx12_validate": pyx12_validate}


def main() -> None:
    args = x12_bench_arguments(__doc__.splitlines()[0], CHILDREN)
    if args is None:
        return
    from adapters.x12.guides.build import export_pyx12_map_dir

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        full, part = tmp / "bench.edi", tmp / "slice.edi"
        shape = build_file(full, args.mb, corpus_sets(SOURCES, accepted_only=True))
        print(f"file: {shape['bytes'] / 1e6:.1f} MB, {shape['interchanges']} interchanges, {shape['groups']} groups, "
              f"{shape['sets']} sets (real accepted 214/204 bodies from {len(SOURCES)} corpus files)")
        ours = run_child(__file__, "translate", str(full))
        if ours["rejected_sets"] or ours["warnings"]:
            raise SystemExit(f"benchmark input is not clean: {ours}")
        jobs = run_child(__file__, "translate_jobs", str(full), "2")
        if jobs["events"] != ours["events"] or jobs["rejected_sets"] or jobs["warnings"]:
            raise SystemExit(f"two processes translated differently: {jobs} against {ours}")
        pipeline = run_child(__file__, "pipeline", str(full))
        decode_only = run_child(__file__, "decode", str(full))
        slice_bytes = slice_file(full, part, args.pyx12_mb)
        ours_slice = run_child(__file__, "translate", str(part))
        theirs = run_child(__file__, "pyx12_validate", str(part), str(export_pyx12_map_dir(tmp / "pyx12maps")))
    rows = [
        ("ours: gateway translate (decode+guide+map+canonical)", shape["bytes"], ours),
        ("ours: gateway translate --jobs 2 (+ JSON lines out)", shape["bytes"], jobs),
        ("ours: pipeline, one message (translate+route+JSON)", shape["bytes"], pipeline),
        ("ours: reader only (decode+guide), full file", shape["bytes"], decode_only),
        ("ours: gateway translate, pyx12 slice", slice_bytes, ours_slice),
        ("pyx12 x12n_document + our maps, slice", slice_bytes, theirs),
    ]
    print(f"{'job':52} {'MB':>6} {'s':>7} {'MB/s':>7} {'events':>8} {'peak RSS MB':>12}")
    for label, size, r in rows:
        print(f"{label:52} {size / 1e6:6.1f} {r['seconds']:7.2f} {size / 1e6 / r['seconds']:7.2f} "
              f"{r.get('events', '-'):>8} {r['peak_rss_mb']:12.0f}")
    print(f"pyx12 on the slice: valid={theirs['valid']}, sets rejected in its 997: {theirs['rejected_sets']} "
          "(it flags the space-padded B10 ids of the Canada Post 214s that our reader accepts)")
    print(f"--jobs 2: {jobs['cpu']:.2f} s of CPU in all (one process: {ours['cpu']:.2f} s); "
          f"each worker's peak RSS at most {jobs['worker_peak_rss_mb']:.0f} MB")
    for label, r in (("one process", ours), ("two processes (--jobs 2)", jobs)):
        rate = shape["bytes"] / 1e6 / r["seconds"]
        print(f"goal >= 5 MB/s full translation, {label}: {rate:.2f} MB/s, {'met' if rate >= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
