"""The webhook target against a real receiver: what is sent, and how answers are classified."""

from __future__ import annotations

import time
from email.utils import formatdate

import orjson
import pytest
from deliver_support import EVENT_TYPE, SECRET, TRACEPARENT, Receiver

from gateway.deliver import Delivered, PermanentFailure, RetryLater, WebhookTarget
from gateway.deliver.signing import sign, verify
from gateway.deliver.webhook import parse_retry_after
from gateway.store.base import OutboxEntry

BODY = orjson.dumps({"specversion": "1.0", "id": "evt-1", "type": EVENT_TYPE, "source": "test", "data": {"n": 1}})
ENTRY = OutboxEntry(1, "erp", "evt-1", EVENT_TYPE, "msg-1", BODY, 0, {"traceparent": TRACEPARENT})


async def _deliver(receiver: Receiver, secret: bytes = SECRET) -> Delivered | RetryLater | PermanentFailure:
    target = WebhookTarget("erp", receiver.url + "/events", secret, timeout_s=5, concurrency=4)
    try:
        return await target.deliver(ENTRY)
    finally:
        await target.aclose()


async def test_an_event_is_posted_with_its_idempotency_key_type_and_trace_context(receiver: Receiver) -> None:
    assert isinstance(await _deliver(receiver), Delivered)
    got = receiver.state.deliveries["evt-1"]
    assert got.event == orjson.loads(BODY)
    assert got.event_type == EVENT_TYPE
    assert got.traceparent == TRACEPARENT


async def test_the_receiver_accepts_the_signature_made_with_the_shared_secret(receiver: Receiver) -> None:
    await _deliver(receiver)
    assert receiver.state.bad_signatures == 0 and len(receiver.state.deliveries) == 1


async def test_a_signature_made_with_another_secret_is_refused_for_good(receiver: Receiver) -> None:
    result = await _deliver(receiver, secret=b"wrong")
    assert isinstance(result, PermanentFailure) and result.status_code == 401
    assert receiver.state.bad_signatures == 1


def test_a_signature_covers_timestamp_and_body() -> None:
    now = int(time.time())
    header = sign(SECRET, BODY, now)
    assert verify(SECRET, header, BODY, now)
    assert not verify(SECRET, header, BODY + b" ", now)
    assert not verify(SECRET, header.replace(f"t={now}", f"t={now + 1}"), BODY, now)


def test_an_old_signature_is_refused() -> None:
    then = int(time.time()) - 3600
    assert not verify(SECRET, sign(SECRET, BODY, then), BODY, time.time())


@pytest.mark.parametrize("status", [500, 502, 503, 408, 409, 425, 429])
async def test_server_errors_and_transient_client_errors_are_retried(receiver: Receiver, status: int) -> None:
    receiver.state.fail_next, receiver.state.fail_status = 1, status
    result = await _deliver(receiver)
    assert isinstance(result, RetryLater) and result.status_code == status


@pytest.mark.parametrize("status", [400, 403, 404, 410, 422])
async def test_other_client_errors_are_permanent(receiver: Receiver, status: int) -> None:
    receiver.state.fail_next, receiver.state.fail_status = 1, status
    result = await _deliver(receiver)
    assert isinstance(result, PermanentFailure) and result.status_code == status


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_is_read_from_429_and_503(receiver: Receiver, status: int) -> None:
    receiver.state.fail_next, receiver.state.fail_status, receiver.state.retry_after = 1, status, "7"
    result = await _deliver(receiver)
    assert isinstance(result, RetryLater) and result.retry_after_s == 7.0


async def test_a_refused_connection_is_retried() -> None:
    target = WebhookTarget("erp", "http://127.0.0.1:9/events", SECRET, timeout_s=2, concurrency=1)
    try:
        result = await target.deliver(ENTRY)
    finally:
        await target.aclose()
    assert isinstance(result, RetryLater) and "transport error" in result.detail


def test_retry_after_may_be_an_http_date() -> None:
    now = time.time()
    assert parse_retry_after(formatdate(now + 120, usegmt=True), now) == pytest.approx(120, abs=1)
    assert parse_retry_after("soon", now) is None


async def test_a_stored_header_value_with_a_line_break_is_refused_not_sent(receiver: Receiver) -> None:
    entry = OutboxEntry(2, "erp", "evt-2", EVENT_TYPE + "\r\nX-Injected: 1", "msg-1", BODY, 0)
    target = WebhookTarget("erp", receiver.url + "/events", SECRET, timeout_s=5, concurrency=1)
    try:
        result = await target.deliver(entry)
    finally:
        await target.aclose()
    assert isinstance(result, PermanentFailure) and "line break" in result.detail
    assert receiver.state.requests == 0
