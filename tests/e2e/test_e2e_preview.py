"""POST /v1/mappings/preview on a running gateway: events for a sample, or errors with positions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from e2e_support import ADMIN_KEY, ERP_SECRET, FEDEX_WEBHOOK, REPO, write_config

from gateway.config import load_config
from gateway.receiver import create_receiver_app, serve_app
from gateway.runtime import Gateway, RuntimeOptions


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with serve_app(create_receiver_app(ERP_SECRET)) as receiver_url:
        setup = write_config(tmp_path, receiver_url)
        gateway = Gateway(load_config(setup.config_path), RuntimeOptions(mapping_reload_s=0))
        await gateway.start()
        try:
            async with serve_app(gateway.http_app()) as url, httpx.AsyncClient(
                    base_url=url, headers={"Authorization": f"Bearer {ADMIN_KEY}"}) as client:
                yield client
        finally:
            await gateway.stop()


async def test_preview_by_name_answers_the_canonical_events(admin: httpx.AsyncClient) -> None:
    payload = json.loads(FEDEX_WEBHOOK.read_bytes())
    answer = await admin.post("/v1/mappings/preview", json={"mapping": "easypost-tracker", "payload": payload})
    assert answer.status_code == 200
    body = answer.json()
    assert body["ok"] is True and body["mapping"] == "easypost-tracker@1" and len(body["events"]) == 7


async def test_preview_of_a_broken_inline_mapping_names_line_and_column(admin: httpx.AsyncClient) -> None:
    text = (REPO / "mappings" / "carrier" / "easypost-tracker.yaml").read_text().replace("remarks:", "remarkz:")
    answer = await admin.post("/v1/mappings/preview", json={"mapping_yaml": text,
                                                            "payload": json.loads(FEDEX_WEBHOOK.read_bytes())})
    body = answer.json()
    assert answer.status_code == 200 and body["ok"] is False
    assert body["errors"][0]["stage"] == "load" and body["errors"][0]["position"].startswith("<inline>:")
    assert "data.remarkz: not a field of the canonical schema" in body["errors"][0]["message"]


async def test_preview_reports_a_mapping_error_at_its_field(admin: httpx.AsyncClient) -> None:
    answer = await admin.post("/v1/mappings/preview", json={
        "mapping": "easypost-tracker", "payload": {"object": "Tracker", "tracking_details": [{"status": "delivered"}]}})
    error = answer.json()["errors"][0]
    assert error["stage"] == "map" and error["field"] == "data.subject.value"
    assert error["message"] == "required value is missing" and "easypost-tracker.yaml:" in error["position"]


async def test_preview_needs_the_admin_key(admin: httpx.AsyncClient) -> None:
    answer = await admin.post("/v1/mappings/preview", json={"mapping": "easypost-tracker", "payload": {}},
                              headers={"Authorization": "Bearer wrong"})
    assert answer.status_code in (401, 403)
    assert answer.headers["content-type"].startswith("application/problem+json")
