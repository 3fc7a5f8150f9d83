"""An app over the real SQLite store, with two partners, keys, an HMAC secret and an admin key."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.applications import Starlette
from starlette.testclient import TestClient

from gateway.config import Config, parse_config
from gateway.config.model import TelemetrySettings
from gateway.credentials import append_key, issue_key
from gateway.http import create_app
from gateway.store.sqlite import SqliteStore
from gateway.telemetry import Metrics, setup_tracing

SAMPLE = (Path(__file__).parent / "data" / "easypost-tracker-updated-webhook-fedex.json").read_bytes()
HMAC_SECRET = b"acme-shared-secret-0123456789abcdef"
ADMIN_KEY = "admin-key-for-tests-0123456789abcdef"


def sign(body: bytes, secret: bytes = HMAC_SECRET, timestamp: int | None = None) -> str:
    """The signature header value a partner computes: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={hmac.new(secret, f'{t}.'.encode() + body, hashlib.sha256).hexdigest()}"


@dataclass
class Gateway:
    """A running test gateway and what a test needs to talk to it."""

    app: Starlette
    client: TestClient
    store: SqliteStore
    metrics: Metrics
    spans: InMemorySpanExporter
    acme_key: str
    globex_key: str
    keys_file: Path

    def bearer(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.acme_key}"}

    def post(self, body: bytes = SAMPLE, content_type: str = "application/json", key: str | None = None,
             headers: dict[str, str] | None = None, params: dict[str, str] | None = None) -> Any:
        hdrs = {"Content-Type": content_type, **self.bearer(key), **(headers or {})}
        return self.client.post("/v1/messages", content=body, headers=hdrs, params=params)

    def stored_count(self) -> int:
        return self.store.counts()["inbox"]


def make_config(tmp_path: Path, *, rate: float = 1000.0, burst: int = 1000, max_body: int = 64 * 1024) -> Config:
    (tmp_path / "acme.secret").write_bytes(HMAC_SECRET + b"\n")
    (tmp_path / "admin.sha256").write_text(hashlib.sha256(ADMIN_KEY.encode()).hexdigest() + "\n")
    doc = {
        "gateway": {"store": {"path": str(tmp_path / "gw.db")},
                    "admin": {"api_key_sha256": {"file": str(tmp_path / "admin.sha256")}}},
        "partners": {
            "acme": {"api_keys_file": str(tmp_path / "acme.keys"), "hmac_secret": {"file": str(tmp_path / "acme.secret")},
                     "rate_limit": {"rate": rate, "burst": burst}, "max_body_bytes": max_body},
            "globex": {"api_keys_file": str(tmp_path / "globex.keys")},
        },
        "channels": {
            "acme-carrier": {"partner": "acme", "content_types": ["application/json"]},
            "acme-edi": {"partner": "acme", "content_types": ["application/edi-x12", "text/plain"]},
            "acme-erp": {"partner": "acme", "content_types": ["application/xml", "text/xml"]},
            "globex-carrier": {"partner": "globex", "content_types": ["application/json"]},
        },
    }
    return parse_config(doc)


@pytest.fixture
def make_gateway(tmp_path: Path) -> Iterator[Callable[..., Gateway]]:
    """Builds a gateway: ``replay``/``preview`` hooks, other keyword arguments go to ``make_config``."""
    opened: list[tuple[TestClient, SqliteStore]] = []

    def build(*, replay: Any = None, preview: Any = None, **config_overrides: Any) -> Gateway:
        acme_key, acme_rec = issue_key("acme")
        globex_key, globex_rec = issue_key("globex")
        append_key(tmp_path / "acme.keys", acme_rec)
        append_key(tmp_path / "globex.keys", globex_rec)
        config = make_config(tmp_path, **config_overrides)
        store = SqliteStore(config.gateway.store.path)
        metrics = Metrics()
        spans = InMemorySpanExporter()
        provider: TracerProvider = setup_tracing(TelemetrySettings(), exporter=spans, install_global=False)
        app = create_app(config, store, metrics, tracer=provider.get_tracer("test"), keys_reload_interval=0.0,
                         replay=replay, preview=preview)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append((client, store))
        return Gateway(app, client, store, metrics, spans, acme_key, globex_key, tmp_path / "acme.keys")

    yield build
    for client, store in opened:
        client.__exit__(None, None, None)
        store.close()


@pytest.fixture
def gw(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem of the given status and type; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"tag:logistics-gateway,2026:problem:{slug}"
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["instance"]
    return body
