"""Every bad request gets its own problem+json, and nothing refused is stored."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from gateway.credentials import append_key, issue_key, rotate

from .conftest import SAMPLE, assert_problem, sign


def test_malformed_json_is_422_with_line_and_column(gw):
    body = assert_problem(gw.post(body=b'{"id": "evt_1",\n  "status": }'), 422, "malformed-body")
    assert (body["line"], body["column"]) == (2, 13)
    assert gw.stored_count() == 0


def test_malformed_xml_is_422_with_line_and_column(gw):
    body = assert_problem(gw.post(body=b"<order>\n<id>1</order>", content_type="text/xml"), 422, "malformed-body")
    assert body["line"] == 2
    assert gw.stored_count() == 0


def test_xml_declaring_entities_is_refused(gw):
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><a>&x;</a>'
    assert_problem(gw.post(body=bomb, content_type="application/xml"), 422, "malformed-body")


def test_x12_without_isa_header_is_422(gw):
    assert_problem(gw.post(body=b"GS*QM*S*R~", content_type="application/edi-x12"), 422, "malformed-body")


def test_unsupported_content_type_is_415_listing_the_accepted_types(gw):
    body = assert_problem(gw.post(content_type="application/pdf"), 415, "unsupported-media-type")
    assert body["accepted"] == ["application/edi-x12", "application/json", "application/xml", "text/plain", "text/xml"]
    assert gw.stored_count() == 0


def test_content_type_the_named_channel_does_not_take_is_415(gw):
    body = assert_problem(gw.post(params={"channel": "acme-edi"}), 415, "unsupported-media-type")
    assert body["accepted"] == ["application/edi-x12", "text/plain"]


def test_body_declared_larger_than_the_limit_is_413_before_it_is_read(make_gateway):
    gw = make_gateway(max_body=1000)
    body = assert_problem(gw.post(body=b"[" + b"1," * 600 + b"1]"), 413, "payload-too-large")
    assert body["max_bytes"] == 1000
    assert gw.stored_count() == 0


def test_streamed_body_without_content_length_is_413_once_past_the_limit(make_gateway):
    gw = make_gateway(max_body=1000)
    sent = []

    def chunks():
        for _ in range(50):
            sent.append(1)
            yield b"x" * 100

    r = gw.client.post("/v1/messages", content=chunks(), headers={"Content-Type": "application/json", **gw.bearer()})
    assert_problem(r, 413, "payload-too-large")
    assert "content-length" not in r.request.headers
    assert gw.stored_count() == 0


def test_request_without_credentials_is_401_with_a_challenge(gw):
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={"Content-Type": "application/json"})
    assert_problem(r, 401, "credentials-missing")
    assert r.headers["www-authenticate"].startswith('Bearer realm="gateway"')


def test_wrong_api_key_is_401(gw):
    wrong = gw.acme_key[:-4] + ("AAAA" if not gw.acme_key.endswith("AAAA") else "BBBB")
    r = gw.post(key=wrong)
    assert_problem(r, 401, "credentials-invalid")
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    assert gw.stored_count() == 0


def test_key_of_unknown_shape_is_401(gw):
    assert_problem(gw.post(key="not-a-gateway-key"), 401, "credentials-invalid")


def test_rotated_key_still_works_within_the_overlap(gw):
    rotate(gw.keys_file, overlap_seconds=3600)
    assert gw.post().status_code == 202


def test_rotated_key_is_refused_as_expired_after_the_overlap(gw):
    rotate(gw.keys_file, overlap_seconds=60, now=datetime.now(UTC) - timedelta(hours=1))
    new_key, record = issue_key("acme")
    append_key(gw.keys_file, record)
    assert_problem(gw.post(), 401, "key-expired")
    assert gw.post(key=new_key).status_code == 202


def test_bad_hmac_signature_is_401(gw):
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={
        "Content-Type": "application/json", "X-Partner-Id": "acme", "X-Signature": sign(SAMPLE, secret=b"wrong")})
    assert_problem(r, 401, "signature-invalid")
    assert gw.stored_count() == 0


def test_signature_over_other_bytes_is_401(gw):
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={
        "Content-Type": "application/json", "X-Partner-Id": "acme", "X-Signature": sign(SAMPLE + b"\n")})
    assert_problem(r, 401, "signature-invalid")


def test_signature_with_a_stale_timestamp_is_401(gw):
    old = int(time.time()) - 301
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={
        "Content-Type": "application/json", "X-Partner-Id": "acme", "X-Signature": sign(SAMPLE, timestamp=old)})
    assert_problem(r, 401, "signature-stale")


def test_signature_header_of_the_wrong_shape_is_401(gw):
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={
        "Content-Type": "application/json", "X-Partner-Id": "acme", "X-Signature": "sha256=abc"})
    assert_problem(r, 401, "signature-invalid")


def test_signed_request_from_a_partner_without_secret_is_401(gw):
    r = gw.client.post("/v1/messages", content=SAMPLE, headers={
        "Content-Type": "application/json", "X-Partner-Id": "globex", "X-Signature": sign(SAMPLE)})
    assert_problem(r, 401, "credentials-invalid")


def test_channel_of_another_partner_is_403(gw):
    assert_problem(gw.post(params={"channel": "globex-carrier"}), 403, "channel-forbidden")
    assert gw.stored_count() == 0


def test_rate_limit_exceeded_is_429_with_retry_after(make_gateway):
    gw = make_gateway(rate=0.5, burst=2)
    assert [gw.post(headers={"Idempotency-Key": str(i)}).status_code for i in range(2)] == [202, 202]
    r = gw.post(headers={"Idempotency-Key": "3"})
    body = assert_problem(r, 429, "rate-limited")
    assert r.headers["retry-after"] == "2" == str(body["retry_after"])
    assert gw.stored_count() == 2


def test_rate_limit_is_per_partner(make_gateway):
    gw = make_gateway(rate=0.5, burst=1)
    gw.post()
    assert gw.post(key=gw.globex_key).status_code == 202


def test_overlong_idempotency_key_is_400(gw):
    assert_problem(gw.post(headers={"Idempotency-Key": "k" * 256}), 400, "idempotency-key-invalid")


def test_refusals_are_counted_by_partner_and_reason(gw):
    gw.post(body=b"{")
    gw.client.post("/v1/messages", content=SAMPLE)
    reg = gw.metrics.registry
    assert reg.get_sample_value("gateway_rejected_total", {"partner": "acme", "reason": "malformed-body"}) == 1
    assert reg.get_sample_value("gateway_rejected_total", {"partner": "unknown", "reason": "credentials-missing"}) == 1


def test_unknown_path_is_a_404_problem(gw):
    assert_problem(gw.client.get("/v2/nothing"), 404, "not-found")


def test_wrong_method_is_a_405_problem_with_allow(gw):
    r = gw.client.delete("/v1/messages")
    assert_problem(r, 405, "method-not-allowed")
    assert r.headers["allow"] == "POST"


def test_an_unexpected_failure_while_admitting_is_a_500_problem_recorded_on_the_span(gw, monkeypatch):
    async def broken(message):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(gw.store, "admit", broken)
    assert_problem(gw.post(), 500, "internal-error")
    admit = [s for s in gw.spans.get_finished_spans() if s.name == "admit"][-1]
    assert admit.status.status_code.name == "ERROR"
    assert gw.stored_count() == 0
