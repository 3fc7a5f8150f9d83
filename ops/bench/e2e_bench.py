"""End-to-end benchmark: partner POST → admitted (202) → pipeline → delivered to a webhook receiver.

One command (from the repository root):

    .venv/bin/python ops/bench/e2e_bench.py                 # open loop at 2,000 events/s for 15 s
    .venv/bin/python ops/bench/e2e_bench.py --rate 3000 --duration 20
    .venv/bin/python ops/bench/e2e_bench.py --rate 0        # closed loop: as fast as it goes

Three processes on this host: the gateway (``python -m gateway.runtime``, real config, SQLite store
with group commit and synchronous=FULL), the webhook receiver (``python -m gateway.receiver``,
verifying signatures) and this load generator. Each message is the EasyPost FedEx ``tracker.updated``
corpus sample made unique (7 tracking details → 7 canonical events). Latency of an event is the
receiver's arrival time minus the moment its message's 202 arrived at the sender (same host clock).
Printed: admitted messages, delivered events, events/s, latency p50/p95/p99/max, peak RSS of the
gateway process (VmHWM) and duplicates seen by the receiver.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from gateway.credentials import append_key, issue_key  # noqa: E402
from gateway.deliver.transport import KeepAliveTransport  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "carrier" / "easypost-tracker-updated-webhook-fedex.json"
STATUS_TYPE = "org.logistics-gateway.shipment.status.v1"
SECRET = "bench-erp-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(work: Path, receiver_port: int, concurrency: int, workers: int) -> tuple[Path, str]:
    key, record = issue_key("acme")
    append_key(work / "acme.keys", record)
    (work / "erp.secret").write_text(SECRET)
    doc = {
        "gateway": {"store": {"path": str(work / "gateway.db"), "group_commit_ms": 2.0},
                    "mappings_dir": str(REPO / "mappings"), "workers": workers},
        "partners": {"acme": {"api_keys_file": str(work / "acme.keys"),
                              "rate_limit": {"rate": 1_000_000, "burst": 1_000_000}}},
        "channels": {"acme-carrier": {"partner": "acme", "content_types": ["application/json"]}},
        "targets": {"erp": {"kind": "webhook", "url": f"http://127.0.0.1:{receiver_port}/events",
                            "secret": {"file": str(work / "erp.secret")}, "timeout_s": 5, "max_attempts": 8,
                            "concurrency": concurrency}},
        "routes": [{"name": "status-to-erp", "match": {"type": STATUS_TYPE}, "to": ["erp"]}],
    }
    path = work / "gateway.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path, key


def bodies(n: int) -> list[bytes]:
    base = json.loads(SAMPLE.read_bytes())
    out = []
    for i in range(n):
        base["id"], base["result"]["id"] = f"evt_{i}", f"trk_{i}"
        base["result"]["tracking_code"] = f"7749{i:08d}"
        out.append(json.dumps(base).encode())
    return out


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def load(url: str, key: str, payloads: list[bytes], rate_msgs: float, senders: int) -> dict[str, float]:
    """Send every payload (open loop at ``rate_msgs``/s, or closed loop when 0); message id → 202 time."""
    admitted: dict[str, float] = {}
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    async with httpx.AsyncClient(base_url=url, transport=KeepAliveTransport(senders), timeout=30,
                                 headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}) as c:
        async def sender() -> None:
            while (body := await queue.get()) is not None:
                answer = await c.post("/v1/messages", content=body)
                if answer.status_code != 202:
                    raise SystemExit(f"admit refused: {answer.status_code} {answer.text}")
                admitted[answer.json()["id"]] = time.time()

        tasks = [asyncio.create_task(sender()) for _ in range(senders)]
        started = time.perf_counter()
        for i, body in enumerate(payloads):
            if rate_msgs > 0:
                delay = started + i / rate_msgs - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            queue.put_nowait(body)
            if rate_msgs <= 0 and queue.qsize() > senders * 4:
                await asyncio.sleep(0.001)
        for _ in tasks:
            queue.put_nowait(None)
        await asyncio.gather(*tasks)
    return admitted


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def main() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rate", type=float, default=2000, help="target events/s (0: closed loop)")
    parser.add_argument("--duration", type=float, default=15, help="seconds of load (open loop)")
    parser.add_argument("--messages", type=int, default=0, help="messages to send (default: rate × duration / 7)")
    parser.add_argument("--concurrency", type=int, default=32, help="the target's delivery concurrency")
    parser.add_argument("--senders", type=int, default=16, help="concurrent partner connections")
    parser.add_argument("--workers", type=int, default=1, help="pipeline workers in the gateway")
    args = parser.parse_args()

    per_message = len(json.loads(SAMPLE.read_bytes())["result"]["tracking_details"])
    n = args.messages or int(max(args.rate, 2000) * args.duration / per_message)
    rate_msgs = args.rate / per_message
    with tempfile.TemporaryDirectory(prefix="gw-bench-") as tmp:
        work = Path(tmp)
        rport, gport = free_port(), free_port()
        config, key = write_config(work, rport, args.concurrency, args.workers)
        env = {**os.environ, "PYTHONPATH": str(REPO), "BENCH_SECRET": SECRET}
        log = (work / "processes.log").open("wb")
        receiver = subprocess.Popen([sys.executable, "-m", "gateway.receiver", "--port", str(rport),
                                     "--secret-env", "BENCH_SECRET"], cwd=REPO, env=env, stdout=log, stderr=log)
        gateway = subprocess.Popen([sys.executable, "-m", "gateway.runtime", str(config), "--port", str(gport)],
                                   cwd=REPO, env=env, stdout=log, stderr=log)
        try:
            wait_http(f"http://127.0.0.1:{rport}/received?keys=0")
            wait_http(f"http://127.0.0.1:{gport}/healthz")
            payloads = bodies(n)
            cpu0 = {"gateway": cpu_seconds(gateway.pid), "receiver": cpu_seconds(receiver.pid),
                    "load": time.process_time()}
            t0 = time.time()
            admitted = asyncio.run(load(f"http://127.0.0.1:{gport}", key, payloads, rate_msgs if args.rate else 0,
                                        args.senders))
            t_admitted = time.time()
            expected = len(admitted) * per_message
            deadline = time.monotonic() + 120
            while True:
                summary = httpx.get(f"http://127.0.0.1:{rport}/received?keys=0", timeout=30).json()
                if summary["unique"] >= expected or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            peak = peak_rss_mb(gateway.pid)
            cpu = {"gateway": cpu_seconds(gateway.pid) - cpu0["gateway"],
                   "receiver": cpu_seconds(receiver.pid) - cpu0["receiver"], "load": time.process_time() - cpu0["load"]}
            received = httpx.get(f"http://127.0.0.1:{rport}/received", timeout=120).json()
        finally:
            gateway.send_signal(signal.SIGTERM)
            receiver.send_signal(signal.SIGTERM)
            gateway.wait(30)
            receiver.wait(30)
            log.close()

        deliveries = received["deliveries"]
        latencies = sorted((d["received_at"] - admitted[d["event"]["rawmessageid"]]) * 1000 for d in deliveries
                           if d["event"]["rawmessageid"] in admitted)
        last = max(d["received_at"] for d in deliveries)
        print(f"mode              : {f'open loop at {args.rate:.0f} events/s' if args.rate else 'closed loop'}"
              f", delivery concurrency {args.concurrency}, {args.senders} senders, {os.cpu_count()} CPUs")
        print(f"admitted          : {len(admitted)} messages in {t_admitted - t0:.2f} s "
              f"({len(admitted) / (t_admitted - t0):.0f} msg/s, {expected / (t_admitted - t0):.0f} events/s offered)")
        print(f"delivered         : {len(deliveries)} of {expected} events "
              f"(duplicates {received['duplicates']}, bad signatures {received['bad_signatures']})")
        print(f"throughput        : {len(deliveries) / (last - t0):.0f} events/s end to end "
              f"(first admit → last delivery, {last - t0:.2f} s)")
        print(f"latency admit→delivered ms: p50 {statistics.median(latencies):.1f}  p95 {percentile(latencies, 95):.1f}"
              f"  p99 {percentile(latencies, 99):.1f}  max {latencies[-1]:.1f}")
        print(f"gateway peak RSS  : {peak:.0f} MiB")
        print(f"CPU used          : gateway {cpu['gateway']:.1f} s ({cpu['gateway'] / len(deliveries) * 1e6:.0f} µs/event),"
              f" receiver {cpu['receiver']:.1f} s, load generator {cpu['load']:.1f} s, over {last - t0:.1f} s")
        # Latency is the gateway's own only while it has room: its event loop is one thread (the store's
        # threads run mostly outside the GIL), so near one core of its own, queues form.
        busy = sum(cpu.values()) / ((last - t0) * (os.cpu_count() or 1))
        print(f"load              : gateway {cpu['gateway'] / (last - t0):.2f} cores; the three processes "
              f"{busy:.0%} of the machine's {os.cpu_count()}")


if __name__ == "__main__":
    main()
