"""Crash safety: SIGKILL the gateway mid-flight, restart it, and nothing admitted is lost.

The gateway runs as a real subprocess (``python -m gateway.runtime``). A batch is admitted over
HTTP; when the receiver has seen part of the deliveries the process is killed with SIGKILL (no
shutdown code runs). After a restart every admitted message is processed and every event reaches
the receiver. Delivery is at least once: a delivery the receiver answered but the gateway had not
yet recorded when it died is sent again with the same Idempotency-Key, so the receiver counts it
as a duplicate. Those are bounded by the delivery worker: ``concurrency`` requests in flight, at
most ``concurrency`` answers waiting to be recorded before senders pause, plus one batch of
answers (at most twice that) being committed: 5 × concurrency.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from e2e_support import ERP_SECRET, REPO, carrier_update, write_config

from gateway.receiver import ReceiverState, create_receiver_app, serve_app

MESSAGES = 600
EVENTS_PER_MESSAGE = 7
CONCURRENCY = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def gateway_process(config: Path, port: int, log: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway.runtime", str(config), "--port", str(port), "--lease-s", "1",
            cwd=REPO, stdout=out, stderr=out, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 30
            while True:
                assert proc.returncode is None, f"gateway exited early; see {log}:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, "gateway did not come up"
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)


async def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


def stored_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        messages = dict(conn.execute("SELECT status, COUNT(*) FROM messages GROUP BY status").fetchall())
        outbox = dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall())
        return {"messages": sum(messages.values()), "processed": messages.get("processed", 0),
                "outbox": sum(outbox.values()), "delivered": outbox.get("delivered", 0)}
    finally:
        conn.close()


def stored_event_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {row[0] for row in conn.execute("SELECT event_id FROM outbox")}
    finally:
        conn.close()


async def admit_until_refused(port: int, api_key: str, admitted: list[str]) -> None:
    """Admit distinct carrier updates, four at a time, until MESSAGES are in or the gateway is gone."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                 headers={"Authorization": f"Bearer {api_key}",
                                          "Content-Type": "application/json"}) as client:
        async def one(n: int) -> None:
            answer = await client.post("/v1/messages", content=carrier_update(n))
            assert answer.status_code == 202, answer.text
            admitted.append(answer.json()["id"])

        try:
            for start in range(0, MESSAGES, 4):
                await asyncio.gather(*(one(n) for n in range(start, min(start + 4, MESSAGES))))
        except httpx.TransportError:
            pass  # killed: whatever got no 202 was not admitted


async def test_a_gateway_killed_mid_flight_delivers_every_admitted_message_after_restart(tmp_path: Path) -> None:
    receiver_app = create_receiver_app(ERP_SECRET)
    state: ReceiverState = receiver_app.state.receiver
    async with serve_app(receiver_app) as receiver_url:
        setup = write_config(tmp_path, receiver_url, concurrency=CONCURRENCY, timeout_s=1.0)
        port, log = free_port(), tmp_path / "gateway.log"
        admitted: list[str] = []
        async with gateway_process(setup.config_path, port, log) as proc:
            admitting = asyncio.create_task(admit_until_refused(port, setup.api_key, admitted))
            await wait_for(lambda: len(state.deliveries) >= 100, 60, "the first deliveries")
            proc.send_signal(signal.SIGKILL)   # while admitting, mapping and delivering
            await proc.wait()
            await admitting
        killed_at = (len(admitted), len(state.deliveries))
        assert killed_at[0] < MESSAGES, "killed too late: every message was already admitted"

        async with gateway_process(setup.config_path, port, log):
            await admit_until_refused(port, setup.api_key, admitted)  # the rest (and duplicates of in-doubt ones)
            await wait_for(lambda: stored_counts(setup.db_path)["processed"] == MESSAGES, 60, "every message processed")
            total = MESSAGES * EVENTS_PER_MESSAGE
            await wait_for(lambda: len(state.deliveries) == total, 120, "every event delivered after restart")
            await wait_for(lambda: stored_counts(setup.db_path)["delivered"] == total, 30, "every delivery recorded")

    counts = stored_counts(setup.db_path)
    assert counts["messages"] == counts["processed"] == len(set(admitted)) == MESSAGES
    assert set(state.deliveries) == stored_event_ids(setup.db_path)
    assert state.bad_signatures == 0
    # At least once: only deliveries whose answers were not yet recorded can have been sent twice.
    assert state.duplicates <= 5 * CONCURRENCY, state.repeats
    print(f"\nkilled after {killed_at[0]} admitted messages and {killed_at[1]} deliveries; "
          f"re-sent after restart (deduplicated by the receiver): {state.duplicates}")
