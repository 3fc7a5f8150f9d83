"""Liveness, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

from .conftest import assert_problem


def test_healthz_answers_while_the_process_is_up(gw):
    assert gw.client.get("/healthz").json() == {"status": "ok"}


def test_readyz_answers_ready_when_the_store_answers(gw):
    assert gw.client.get("/readyz").status_code == 200


def test_readyz_is_503_when_the_store_is_closed(gw):
    gw.store.close()
    assert_problem(gw.client.get("/readyz"), 503, "store-unavailable")


def test_admit_is_503_when_the_store_is_closed(gw):
    gw.store.close()
    r = gw.post()
    assert_problem(r, 503, "store-unavailable")
    assert r.headers["retry-after"] == "1"


def test_metrics_are_served_in_prometheus_text_from_the_gateway_registry(gw):
    gw.post()
    r = gw.client.get("/metrics")
    assert r.headers["content-type"].startswith("text/plain")
    assert 'gateway_admitted_total{outcome="admitted",partner="acme"} 1.0' in r.text


def test_openapi_document_is_served_as_json(gw):
    doc = gw.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
