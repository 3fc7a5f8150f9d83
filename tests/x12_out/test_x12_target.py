"""The x12 target: canonical events leave as the partner's X12, signed, identical on every retry."""

from __future__ import annotations

import orjson

from adapters.x12_out.target import X12Target
from gateway.deliver.base import Delivered, PermanentFailure
from gateway.deliver.webhook import WebhookTarget
from gateway.receiver import create_receiver_app, serve_app
from gateway.store.base import OutboxEntry
from tests.x12_out.conftest import CORPUS

SECRET = b"partner-edi-secret"


def entry(event: dict, outbox_id: int = 4711) -> OutboxEntry:
    return OutboxEntry(id=outbox_id, target="acme-edi", event_id=event["id"], event_type=event["type"],
                       message_id="01JTESTMESSAGE000000000000", body=orjson.dumps(event), attempts=0)


def status_events(runner_translate) -> list[dict]:
    from gateway.cli.common import runner_for
    from tests.x12_out.conftest import CONTEXT, MAPPINGS
    body = (CORPUS / "214" / "cleo-epes-214.edi").read_bytes()
    return runner_for([MAPPINGS]).translate(body, "application/edi-x12", None, CONTEXT)


def test_a_status_event_renders_as_a_214_whose_control_numbers_are_the_outbox_id(settings, translate):
    event = status_events(translate)[0]
    target = X12Target(settings, WebhookTarget("acme-edi", "http://127.0.0.1:9/", None, 1.0, 1))
    text = target.render(entry(event)).decode()
    assert text.startswith("ISA*") and "*000004711*" in text and "GS*QM*" in text and "ST*214*0001" in text
    assert translate(text.encode())[0]["status"] == event["data"]["status"]


def test_a_retry_sends_the_same_bytes(settings, translate):
    event = status_events(translate)[0]
    target = X12Target(settings, WebhookTarget("acme-edi", "http://127.0.0.1:9/", None, 1.0, 1))
    assert target.render(entry(event)) == target.render(entry(event))


async def test_the_partner_receives_signed_x12(settings, translate):
    event = status_events(translate)[0]
    app = create_receiver_app(SECRET)
    async with serve_app(app) as url:
        target = X12Target(settings, WebhookTarget("acme-edi", url + "/events", SECRET, 2.0, 1))
        try:
            result = await target.deliver(entry(event))
        finally:
            await target.aclose()
    assert isinstance(result, Delivered)
    delivery = next(iter(app.state.receiver.deliveries.values()))
    assert delivery.event["media_type"] == "application/edi-x12" and "ST*214*0001" in delivery.event["raw"]
    assert app.state.receiver.bad_signatures == 0


async def test_an_event_type_without_an_x12_document_is_a_permanent_failure(settings, translate):
    event = dict(status_events(translate)[0], type="org.logistics-gateway.order.v1")
    target = X12Target(settings, WebhookTarget("acme-edi", "http://127.0.0.1:9/", None, 1.0, 1))
    result = await target.deliver(entry(event))
    assert isinstance(result, PermanentFailure) and "no X12 document" in result.detail
