"""The gateway over real HTTP: uvicorn (httptools) on a loopback port."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.config.model import TelemetrySettings
from gateway.credentials import append_key, issue_key
from gateway.http import create_app
from gateway.store.sqlite import SqliteStore
from gateway.telemetry import Metrics, setup_tracing

from .conftest import SAMPLE, make_config


class Served:
    def __init__(self, url: str, key: str, store: SqliteStore) -> None:
        self.url, self.key, self.store = url, key, store


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    key, record = issue_key("acme")
    append_key(tmp_path / "acme.keys", record)
    config = make_config(tmp_path, max_body=4096)
    store = SqliteStore(config.gateway.store.path)
    provider = setup_tracing(TelemetrySettings(), exporter=InMemorySpanExporter(), install_global=False)
    app = create_app(config, store, Metrics(), tracer=provider.get_tracer("test"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, http="httptools", loop="asyncio", log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    host, port = sock.getsockname()
    try:
        yield Served(f"http://{host}:{port}", key, store)
    finally:
        server.should_exit = True
        thread.join(5)
        store.close()


def test_message_admitted_over_http_is_readable_in_its_history(served):
    auth = {"Authorization": f"Bearer {served.key}"}
    r = httpx.post(served.url + "/v1/messages", content=SAMPLE, headers={"Content-Type": "application/json", **auth})
    assert r.status_code == 202
    history = httpx.get(served.url + r.headers["location"], headers=auth)
    assert history.json()["id"] == r.json()["id"]


def test_concurrent_admissions_are_all_stored_under_distinct_ids(served):
    async def send_all() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=served.url) as client:
            return await asyncio.gather(*(client.post(
                "/v1/messages", content=SAMPLE, headers={"Content-Type": "application/json", "Idempotency-Key": f"k{i}",
                                                         "Authorization": f"Bearer {served.key}"}) for i in range(64)))

    responses = asyncio.run(send_all())
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["id"] for r in responses}) == 64
    assert served.store.counts()["inbox"] == 64


def test_chunked_body_past_the_limit_is_413_without_reading_it_all(served):
    host, port = served.url.removeprefix("http://").split(":")
    head = (f"POST /v1/messages HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {served.key}\r\nTransfer-Encoding: chunked\r\n\r\n").encode()
    chunk = b"x" * 1024
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(head)
        for _ in range(5):  # 5 KiB against a 4 KiB limit; the terminating chunk is never sent
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        reply = conn.recv(65536)
    assert reply.startswith(b"HTTP/1.1 413 ")
    assert b"application/problem+json" in reply
    assert served.store.counts()["inbox"] == 0
