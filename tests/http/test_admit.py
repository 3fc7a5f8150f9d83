"""POST /v1/messages: a partner's message is answered 202 only once it is stored."""

from __future__ import annotations

import re

from .conftest import SAMPLE, sign


def test_json_message_with_valid_key_is_answered_202_with_its_id_and_location(gw):
    r = gw.post()
    assert r.status_code == 202
    body = r.json()
    assert body["status"] == "admitted"
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", body["id"])
    assert r.headers["location"] == f"/v1/messages/{body['id']}" == body["links"]["self"]


def test_admitted_message_is_in_the_store_with_partner_channel_and_bytes(gw):
    message_id = gw.post().json()["id"]
    history = gw.store.message_history(message_id)
    assert (history["partner"], history["channel"], history["content_type"]) == ("acme", "acme-carrier", "application/json")
    assert gw.stored_count() == 1


def test_received_at_is_rfc3339_utc(gw):
    history = gw.store.message_history(gw.post().json()["id"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", history["received_at"])


def test_stored_trace_context_is_that_of_the_admit_span(gw):
    history = gw.store.message_history(gw.post().json()["id"])
    admit = next(s for s in gw.spans.get_finished_spans() if s.name == "admit")
    assert history["trace_context"]["traceparent"].split("-")[1:3] == [f"{admit.context.trace_id:032x}",
                                                                       f"{admit.context.span_id:016x}"]
    assert admit.attributes["gateway.partner"] == "acme"


def test_repeat_with_the_same_idempotency_key_is_a_duplicate_of_the_original(gw):
    first = gw.post(headers={"Idempotency-Key": "evt-1"}).json()
    again = gw.post(body=SAMPLE + b" ", headers={"Idempotency-Key": "evt-1"})
    assert again.status_code == 202
    assert again.json() == {"id": first["id"], "status": "duplicate", "links": {"self": f"/v1/messages/{first['id']}"}}
    assert gw.stored_count() == 1


def test_x12_as_text_plain_goes_to_the_partners_only_channel_for_that_type(gw):
    isa = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*P*>~"
    r = gw.post(body=isa + b"GS*QM*S*R*20240101*1200*1*X*004010~", content_type="text/plain")
    assert r.status_code == 202
    assert gw.store.message_history(r.json()["id"])["channel"] == "acme-edi"


def test_xml_is_admitted_into_the_xml_channel(gw):
    r = gw.post(body=b"<?xml version='1.0'?><order><id>1</id></order>", content_type="application/xml; charset=utf-8")
    assert r.status_code == 202
    assert gw.store.message_history(r.json()["id"])["content_type"] == "application/xml; charset=utf-8"


def test_channel_named_in_the_query_is_used(gw):
    r = gw.post(params={"channel": "acme-carrier"})
    assert gw.store.message_history(r.json()["id"])["channel"] == "acme-carrier"


def test_correctly_signed_request_is_admitted(gw):
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={
        "Content-Type": "application/json", "X-Partner-Id": "acme", "X-Signature": sign(SAMPLE)})
    assert r.status_code == 202
    assert gw.store.message_history(r.json()["id"])["partner"] == "acme"


def test_admission_is_counted_and_timed_in_metrics(gw):
    gw.post()
    reg = gw.metrics.registry
    assert reg.get_sample_value("gateway_admitted_total", {"partner": "acme", "outcome": "admitted"}) == 1
    assert reg.get_sample_value("gateway_admit_seconds_count") == 1


def test_partners_own_trace_is_linked_not_adopted_as_parent(gw):
    partner_trace = "0af7651916cd43dd8448eb211c80319c"
    gw.post(headers={"traceparent": f"00-{partner_trace}-b7ad6b7169203331-01"})
    admit = next(s for s in gw.spans.get_finished_spans() if s.name == "admit")
    assert admit.parent is None
    assert f"{admit.context.trace_id:032x}" != partner_trace
    assert [f"{link.context.trace_id:032x}" for link in admit.links] == [partner_trace]
