"""The stand-in ERP receiver: what it records of a delivery and what it refuses."""

from __future__ import annotations

import time

import httpx
from deliver_support import SECRET, Receiver

from gateway.deliver.signing import SIGNATURE_HEADER, sign


async def _post(receiver: Receiver, body: bytes, content_type: str, key: str) -> httpx.Response:
    headers = {"Content-Type": content_type, "Idempotency-Key": key,
               SIGNATURE_HEADER: sign(SECRET, body, int(time.time()))}
    async with httpx.AsyncClient() as client:
        return await client.post(receiver.url + "/events", content=body, headers=headers)


async def test_a_json_delivery_is_kept_as_sent_and_read_back_as_the_event(receiver: Receiver) -> None:
    answer = await _post(receiver, b'{"id": "evt-9", "data": {"n": 1}}', "application/cloudevents+json", "evt-9")
    assert answer.status_code == 204
    delivery = receiver.state.deliveries["evt-9"]
    assert delivery.body == b'{"id": "evt-9", "data": {"n": 1}}'
    assert delivery.event == {"id": "evt-9", "data": {"n": 1}}


async def test_a_json_delivery_that_is_not_json_is_refused_and_not_recorded(receiver: Receiver) -> None:
    answer = await _post(receiver, b'{"id": ', "application/cloudevents+json", "evt-10")
    assert answer.status_code == 400 and answer.json() == {"error": "body is not JSON"}
    assert "evt-10" not in receiver.state.deliveries


async def test_an_x12_delivery_is_kept_as_text_with_its_media_type(receiver: Receiver) -> None:
    await _post(receiver, b"ISA*00*~", "application/edi-x12", "edi-1")
    assert receiver.state.deliveries["edi-1"].event == {"raw": "ISA*00*~", "media_type": "application/edi-x12"}
