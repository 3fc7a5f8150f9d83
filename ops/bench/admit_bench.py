"""Admit throughput: the gateway's durable admit path against a bare Starlette endpoint.

One command, loopback only, stops by itself::

    .venv/bin/python ops/bench/admit_bench.py [--duration 10] [--connections 32] [--sample FILE] [--unpinned]

In one run it serves, one after the other, with uvicorn (uvloop + httptools, one worker, pinned to
CPU 0 while wrk runs on CPU 1; with ``--unpinned`` every process may run on either core, as in
a deployment, where the gateway's store thread can use the core wrk leaves idle):

  (a) bare     — a Starlette endpoint that reads the body and answers 202;
  (b) gateway  — ``create_app`` on the real SQLite store (WAL, synchronous=FULL, group commit):
                 Bearer key auth, token-bucket rate limit (set high so it never refuses), size
                 limit, JSON well-formedness check, one OpenTelemetry span (SDK, no exporter),
                 metrics, durable write before 202.

Both get the same wrk load: POST of a real carrier JSON sample with the Bearer key and a unique
Idempotency-Key per request (so every request is a new message, not a duplicate). After the
gateway run the database is counted: every 202 must be a stored row. Prints a side-by-side table
of requests/s, p50/p99 latency, non-2xx answers and the server's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SAMPLE = REPO.parent / "shared" / "corpus" / "carrier" / "easypost-tracker-updated-webhook-fedex.json"

LUA = r"""
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
local body = f:read("*a")
f:close()
local auth = "Bearer " .. os.getenv("BENCH_KEY")
local run = os.getenv("BENCH_RUN")
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/v1/messages", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = auth,
    ["Idempotency-Key"] = run .. "-" .. n,
  }, body)
end
"""


# --- servers (run in a child process: ``--serve bare|gateway``) --------------------------------

def _bare_app():  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    async def admit(request: Request) -> Response:
        await request.body()
        return Response(b'{"id":"01J0000000000000000000000","status":"admitted"}', status_code=202,
                        media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/v1/messages", admit, methods=["POST"]), Route("/healthz", healthz)])


def _gateway_app(workdir: Path, group_commit_ms: float | None):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(REPO))
    from gateway.config import parse_config
    from gateway.config.model import TelemetrySettings
    from gateway.http import create_app
    from gateway.store.sqlite import SqliteStore
    from gateway.telemetry import Metrics, setup_tracing

    store_settings: dict[str, object] = {"path": str(workdir / "bench.db")}
    if group_commit_ms is not None:
        store_settings["group_commit_ms"] = group_commit_ms
    config = parse_config({
        "gateway": {"store": store_settings},
        "partners": {"bench": {"api_keys_file": str(workdir / "bench.keys"),
                               "rate_limit": {"rate": 1e9, "burst": 1_000_000_000}, "max_body_bytes": 1_048_576}},
        "channels": {"bench-carrier": {"partner": "bench", "content_types": ["application/json"]}},
    })
    setup_tracing(TelemetrySettings(service_name="admit-bench"))
    store = SqliteStore(config.gateway.store.path, config.gateway.store.group_commit_max,
                        config.gateway.store.group_commit_ms)
    return create_app(config, store, Metrics())


def serve(kind: str, port: int, workdir: Path, group_commit_ms: float | None) -> None:
    import uvicorn

    app = _bare_app() if kind == "bare" else _gateway_app(workdir, group_commit_ms)
    # As `gateway serve` does once everything is loaded (both servers alike): what lives for the
    # whole run is left out of the collector's full passes, which showed as 30 ms pauses.
    gc.freeze()
    uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", workers=1,
                access_log=False, log_level="warning", lifespan="off")


# --- driver -------------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str
    cpu_us_per_request: float   # server process CPU (user+system, all threads) per completed request
    peak_rss_mib: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not become ready")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    # /proc/<pid>/stat fields 14 and 15 (utime, stime) in clock ticks, for all threads of the process.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fsync_ms(directory: Path, samples: int = 100) -> tuple[float, float]:
    """p50 and p99 of one 4 KiB append + fsync in ``directory``: the floor under any durable admit."""
    path = directory / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    times = []
    try:
        for _ in range(samples):
            os.write(fd, b"x" * 4096)
            start = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    times.sort()
    return times[samples // 2], times[int(samples * 0.99) - 1]


def _pinned(cpu: int | None) -> list[str]:
    if cpu is None or not shutil.which("taskset") or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "-c", str(cpu)]


def _wrk(port: int, seconds: int, connections: int, env: dict[str, str], cpu: int | None) -> str:
    out = subprocess.run([*_pinned(cpu), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", env["BENCH_LUA"], f"http://127.0.0.1:{port}/v1/messages"],
                         env=env, check=True, capture_output=True, text=True)
    return out.stdout


def _parse(kind: str, connections: int, text: str, cpu_s: float, rss: float) -> Result:
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", text, re.M))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    return Result(kind, connections, float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),  # type: ignore[union-attr]
                  _ms(latency["50"]), _ms(latency["99"]), requests, int(non_2xx.group(1)) if non_2xx else 0,
                  errors.group(1).strip() if errors else "none", cpu_s / max(requests, 1) * 1e6, rss)


def run_server(kind: str, args: argparse.Namespace, workdir: Path, env: dict[str, str], tag: str,
               loads: list[tuple[int, int]]) -> list[Result]:
    """Start one server, warm it up, then run each (connections, seconds) load against it."""
    port = _free_port()
    extra = ["--group-commit-ms", str(args.group_commit_ms)] if args.group_commit_ms is not None else []
    server_cpu, wrk_cpu = (None, None) if args.unpinned else (0, 1)
    proc = subprocess.Popen([*_pinned(server_cpu), sys.executable, __file__, "--serve", kind, "--port", str(port),
                             "--workdir", str(workdir), *extra])
    results = []
    try:
        _wait_ready(port, proc)
        _wrk(port, 2, args.connections, {**env, "BENCH_RUN": f"{kind}-{tag}-warmup"}, wrk_cpu)  # warm caches and the WAL
        for i, (connections, seconds) in enumerate(loads):
            cpu_before = _cpu_seconds(proc.pid)
            text = _wrk(port, seconds, connections, {**env, "BENCH_RUN": f"{kind}-{tag}-measured{i}"}, wrk_cpu)
            results.append(_parse(kind, connections, text, _cpu_seconds(proc.pid) - cpu_before,
                                  _peak_rss_mib(proc.pid)))
    finally:
        proc.terminate()
        proc.wait(10)
    return results


def _median(results: list[Result]) -> Result:
    """The round with the median throughput (rounds alternate servers, so drift hits both alike)."""
    return sorted(results, key=lambda r: r.rps)[(len(results) - 1) // 2]


def _table(title_a: str, a: Result, title_b: str, b: Result) -> None:
    rows = [("connections", str(a.connections), str(b.connections)),
            ("requests/s", f"{a.rps:,.0f}", f"{b.rps:,.0f}"),
            ("latency p50 (ms)", f"{a.p50_ms:.2f}", f"{b.p50_ms:.2f}"),
            ("latency p99 (ms)", f"{a.p99_ms:.2f}", f"{b.p99_ms:.2f}"),
            ("server CPU per request (us)", f"{a.cpu_us_per_request:.0f}", f"{b.cpu_us_per_request:.0f}"),
            ("requests completed", f"{a.requests:,}", f"{b.requests:,}"),
            ("non-2xx answers", str(a.non_2xx), str(b.non_2xx)),
            ("socket errors", a.socket_errors, b.socket_errors),
            ("peak RSS (MiB)", f"{a.peak_rss_mib:.1f}", f"{b.peak_rss_mib:.1f}")]
    print(f"{'':30}{title_a:>22}{title_b:>22}")
    for label, x, y in rows:
        print(f"{label:30}{x:>22}{y:>22}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load per server and round")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=2, help="alternating bare/gateway rounds; the median is shown")
    parser.add_argument("--probe-connections", type=int, default=4,
                        help="a second, lighter gateway load to show latency below saturation (0: skip)")
    parser.add_argument("--sample", type=Path, default=DEFAULT_SAMPLE, help="JSON body to POST")
    parser.add_argument("--group-commit-ms", type=float, default=None,
                        help="store group-commit wait (default: the configuration default)")
    parser.add_argument("--unpinned", action="store_true",
                        help="let the kernel place server and wrk on either core (default: server on CPU 0, wrk on CPU 1)")
    parser.add_argument("--serve", choices=["bare", "gateway"], help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.workdir, args.group_commit_ms)
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2

    sys.path.insert(0, str(REPO))
    from gateway.credentials import append_key, issue_key

    load_before = Path("/proc/loadavg").read_text().split()[0]
    bare_runs: list[Result] = []
    gateway_runs: list[Result] = []
    probes: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="admit-bench-") as tmp:
        workdir = Path(tmp)
        key, record = issue_key("bench")
        append_key(workdir / "bench.keys", record)
        (workdir / "bench.lua").write_text(LUA)
        fsync_p50, fsync_p99 = _fsync_ms(workdir)
        env = {**os.environ, "BENCH_BODY": str(args.sample), "BENCH_KEY": key, "BENCH_LUA": str(workdir / "bench.lua")}
        main_load = [(args.connections, args.duration)]
        for r in range(args.rounds):
            bare_runs += run_server("bare", args, workdir, env, f"r{r}", main_load)
            probe_load = [(args.probe_connections, max(2, args.duration // 2))] if args.probe_connections and r == 0 else []
            results = run_server("gateway", args, workdir, env, f"r{r}", main_load + probe_load)
            gateway_runs.append(results[0])
            probes += results[1:]
        with sqlite3.connect(workdir / "bench.db") as db:
            stored = db.execute("SELECT COUNT(*) FROM messages WHERE idempotency_key LIKE 'gateway-%-measured0-%'").fetchone()[0]

    bare, gateway = _median(bare_runs), _median(gateway_runs)
    ratio = gateway.rps / bare.rps
    body = args.sample.read_bytes()
    placement = "wrk and server unpinned" if args.unpinned else "wrk on CPU 1, server on CPU 0"
    print(f"\nadmit bench: wrk -t1 -c{args.connections} -d{args.duration}s, uvicorn (uvloop, httptools, 1 worker); "
          f"{placement}; {args.rounds} alternating rounds, median shown; body {args.sample.name} ({len(body)} B, "
          f"sha256 {hashlib.sha256(body).hexdigest()[:12]}); store group commit: "
          f"{args.group_commit_ms if args.group_commit_ms is not None else 'default'} ms; load average before: {load_before}, "
          f"after: {Path('/proc/loadavg').read_text().split()[0]}\n")
    _table("(a) bare Starlette", bare, "(b) gateway admit", gateway)
    print(f"\nratio gateway/bare requests/s: {ratio:.2f} (target >= 0.50: {'met' if ratio >= 0.5 else 'NOT met'}); "
          f"CPU per request ratio bare/gateway: {bare.cpu_us_per_request / gateway.cpu_us_per_request:.2f}")
    print(f"fsync of the store's file system (4 KiB append): p50 {fsync_p50:.2f} ms, p99 {fsync_p99:.2f} ms")
    print(f"gateway p99 at {args.connections} connections: {gateway.p99_ms:.2f} ms "
          f"(target <= 10 ms: {'met' if gateway.p99_ms <= 10 else 'NOT met'})")
    for probe in probes:
        print(f"gateway at {probe.connections} connections: {probe.rps:,.0f} requests/s, p50 {probe.p50_ms:.2f} ms, "
              f"p99 {probe.p99_ms:.2f} ms, non-2xx {probe.non_2xx}")
    print("rounds (requests/s): bare " + ", ".join(f"{r.rps:,.0f}" for r in bare_runs)
          + "; gateway " + ", ".join(f"{r.rps:,.0f}" for r in gateway_runs))
    # wrk stops counting at its deadline: a request in flight then may be stored but not counted.
    answered = sum(r.requests - r.non_2xx for r in gateway_runs)
    print(f"stored rows of the measured {args.connections}-connection runs: {stored:,}; 202 answers counted by wrk: "
          f"{answered:,}; every 202 stored: {'yes' if stored >= answered else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
