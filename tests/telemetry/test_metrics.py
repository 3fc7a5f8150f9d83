"""Metrics are declared once, typed, and live in a registry of their own."""

from __future__ import annotations

from typing import get_args

from prometheus_client import REGISTRY

from gateway.telemetry import METRIC_DEFS, MetricName, Metrics


def _value(m: Metrics, name: str, labels: dict[str, str] | None = None) -> float | None:
    return m.registry.get_sample_value(name, labels or {})


def test_every_declared_name_has_a_definition():
    assert set(get_args(MetricName)) == set(METRIC_DEFS)


def test_two_metrics_objects_do_not_share_counts():
    a, b = Metrics(), Metrics()
    a.admitted("acme", duplicate=False)
    assert _value(a, "gateway_admitted_total", {"partner": "acme", "outcome": "admitted"}) == 1
    assert _value(b, "gateway_admitted_total", {"partner": "acme", "outcome": "admitted"}) is None


def test_nothing_is_registered_in_the_global_registry():
    Metrics()
    assert REGISTRY.get_sample_value("gateway_admit_seconds_count") is None


def test_rejection_before_authentication_counts_as_unknown_partner():
    m = Metrics()
    m.rejected(None, "unauthorized")
    assert _value(m, "gateway_rejected_total", {"partner": "unknown", "reason": "unauthorized"}) == 1


def test_admit_latency_is_a_histogram():
    m = Metrics()
    m.observe_admit(0.004)
    assert _value(m, "gateway_admit_seconds_count") == 1
    assert _value(m, "gateway_admit_seconds_bucket", {"le": "0.005"}) == 1


def test_pipeline_and_delivery_helpers_record_by_label():
    m = Metrics()
    m.observe_stage("decode", 0.01)
    m.quarantined("map", "no-mapping")
    m.delivered("erp")
    m.retried("erp")
    m.dead_lettered("erp")
    m.set_queue_depth("outbox:erp", 7)
    assert _value(m, "gateway_stage_seconds_count", {"stage": "decode"}) == 1
    assert _value(m, "gateway_quarantined_total", {"stage": "map", "reason": "no-mapping"}) == 1
    assert _value(m, "gateway_delivered_total", {"target": "erp"}) == 1
    assert _value(m, "gateway_delivery_retried_total", {"target": "erp"}) == 1
    assert _value(m, "gateway_dead_lettered_total", {"target": "erp"}) == 1
    assert _value(m, "gateway_queue_depth", {"queue": "outbox:erp"}) == 7


def test_rendered_text_uses_the_declared_names():
    m = Metrics()
    m.delivered("erp")
    text = m.render().decode()
    for name in METRIC_DEFS:
        assert f"# TYPE {name.removesuffix('_total')}" in text
