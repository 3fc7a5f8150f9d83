"""End to end over real HTTP: a partner POSTs a carrier webhook; the ERP receiver gets signed events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest
from e2e_support import ADMIN_KEY, ERP_SECRET, FEDEX_WEBHOOK, STATUS_TYPE, carrier_update, write_config
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.config import load_config
from gateway.receiver import ReceiverState, create_receiver_app, serve_app
from gateway.runtime import Gateway, RuntimeOptions


@dataclass
class Running:
    gateway: Gateway
    client: httpx.AsyncClient
    receiver: ReceiverState
    spans: InMemorySpanExporter

    async def post(self, body: bytes) -> httpx.Response:
        return await self.client.post("/v1/messages", content=body, headers={"Content-Type": "application/json"})

    async def replay(self, request: dict[str, object]) -> httpx.Response:
        return await self.client.post("/v1/admin/replay", json=request,
                                      headers={"Authorization": f"Bearer {ADMIN_KEY}"})


async def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    receiver_app = create_receiver_app(ERP_SECRET)
    async with serve_app(receiver_app) as receiver_url:
        setup = write_config(tmp_path, receiver_url)
        spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(spans))
        gateway = Gateway(load_config(setup.config_path), RuntimeOptions(mapping_reload_s=0),
                          tracer=provider.get_tracer("e2e"))
        await gateway.start()
        try:
            async with serve_app(gateway.http_app()) as gateway_url, httpx.AsyncClient(
                    base_url=gateway_url, headers={"Authorization": f"Bearer {setup.api_key}"}) as client:
                yield Running(gateway, client, receiver_app.state.receiver, spans)
        finally:
            await gateway.stop()


async def test_a_posted_carrier_webhook_is_delivered_to_the_erp_as_signed_canonical_events(running: Running) -> None:
    answer = await running.post(FEDEX_WEBHOOK.read_bytes())
    assert answer.status_code == 202
    scans = len(orjson.loads(FEDEX_WEBHOOK.read_bytes())["result"]["tracking_details"])
    await eventually(lambda: len(running.receiver.deliveries) == scans)
    assert running.receiver.bad_signatures == 0
    for key, delivery in running.receiver.deliveries.items():
        assert delivery.event["id"] == key                       # Idempotency-Key is the event id
        assert delivery.event_type == STATUS_TYPE == delivery.event["type"]
        assert delivery.event["rawmessageid"] == answer.json()["id"]


async def test_the_delivery_continues_the_trace_of_the_partners_request(running: Running) -> None:
    answer = await running.post(carrier_update(1))
    message_id = answer.json()["id"]
    await eventually(lambda: len(running.receiver.deliveries) == 7)
    stored = (await running.client.get(f"/v1/messages/{message_id}")).json()
    trace_id = stored["trace_context"]["traceparent"].split("-")[1]
    assert {d.traceparent.split("-")[1] for d in running.receiver.deliveries.values()} == {trace_id}
    names = {s.name for s in running.spans.get_finished_spans() if f"{s.context.trace_id:032x}" == trace_id}
    assert {"admit", "decode", "map", "validate", "route", "deliver"} <= names


async def test_the_message_history_shows_every_stage_and_delivery(running: Running) -> None:
    message_id = (await running.post(carrier_update(2))).json()["id"]
    await eventually(lambda: running.gateway.store.counts()["delivered"] == 7)
    history = (await running.client.get(f"/v1/messages/{message_id}")).json()
    assert history["status"] == "processed"
    assert [s["stage"] for s in history["stages"]][:5] == ["admit", "decode", "map", "validate", "route"]
    assert len(history["events"]) == 7
    assert all(d["status"] == "delivered" and d["history"][0]["status_code"] == 204 for d in history["deliveries"])


async def test_a_duplicate_post_is_recognised_and_delivered_only_once(running: Running) -> None:
    first = (await running.post(carrier_update(3))).json()
    again = (await running.post(carrier_update(3))).json()
    assert again == {**first, "status": "duplicate"}
    await eventually(lambda: len(running.receiver.deliveries) == 7)
    await asyncio.sleep(0.3)
    assert running.receiver.requests == 7


async def test_a_message_no_mapping_fits_is_quarantined_with_its_reason_in_the_history(running: Running) -> None:
    body = b'{"memo": "lunch order for the depot", "items": [{"sku": "sandwich", "qty": 12}]}'
    message_id = (await running.post(body)).json()["id"]
    await eventually(lambda: running.gateway.store.counts()["quarantined"] == 1)
    history = (await running.client.get(f"/v1/messages/{message_id}")).json()
    assert history["status"] == "quarantined" and history["quarantine"]["stage"] == "map"
    assert "no mapping matches" in history["quarantine"]["what"]


async def test_an_operator_replays_a_quarantined_message_through_the_admin_api(running: Running) -> None:
    body = b'{"memo": "lunch order for the depot", "items": [{"sku": "sandwich", "qty": 12}]}'
    message_id = (await running.post(body)).json()["id"]
    await eventually(lambda: running.gateway.store.counts()["quarantined"] == 1)
    answer = await running.replay({"message_id": message_id, "requested_by": "ops@example.com"})
    assert answer.status_code == 202
    assert answer.json() == {"replayed": [{"kind": "quarantine", "ref": message_id, "requested_by": "ops@example.com"}]}
    # Still no mapping for it: quarantined again, and the history keeps both rounds and who asked.
    await eventually(lambda: len((running.gateway.store.message_history(message_id) or {}).get("errors", [])) == 2)
    history = running.gateway.store.message_history(message_id)
    assert history is not None and history["errors"][0]["replayed_by"] == "ops@example.com"
    assert "replay" in [s["stage"] for s in history["stages"]]


async def test_an_operator_replays_a_dead_letter_and_the_erp_receives_it(running: Running) -> None:
    running.receiver.fail_next, running.receiver.fail_status = 7, 410   # the ERP refuses every event for good
    await running.post(carrier_update(4))
    await eventually(lambda: running.gateway.store.counts()["dead"] == 7)
    [first, *_] = running.gateway.store.dead_letters()
    answer = await running.replay({"dead_letter_id": first.id})
    assert answer.status_code == 202 and answer.json()["replayed"][0]["kind"] == "dead_letter"
    await eventually(lambda: first.event_id in running.receiver.deliveries)
    everything = await running.replay({"all": "dead_letters", "target": "erp"})
    assert len(everything.json()["replayed"]) == 6
    await eventually(lambda: len(running.receiver.deliveries) == 7)


async def test_replaying_something_that_is_not_parked_is_refused_with_a_reason(running: Running) -> None:
    answer = await running.replay({"dead_letter_id": 999})
    assert answer.status_code == 422 and "999" in answer.json()["detail"]

