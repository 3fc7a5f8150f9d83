"""Trace context is stored with a message and continued by later stages and outbound calls."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from gateway.config.model import TelemetrySettings
from gateway.telemetry import inject_context, outbound_headers, setup_tracing, start_span_from
from gateway.telemetry.tracing import ContinuedSpans, RootSpans


@pytest.fixture
def traced() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = setup_tracing(TelemetrySettings(service_name="test-gw"), exporter=exporter, install_global=False)
    return provider, exporter


def test_provider_names_the_service(traced):
    provider, _ = traced
    assert provider.resource.attributes["service.name"] == "test-gw"


def test_stored_context_is_w3c_traceparent_of_current_span(traced):
    provider, _ = traced
    with provider.get_tracer("t").start_as_current_span("admit") as span:
        stored = inject_context()
    ctx = span.get_span_context()
    assert stored["traceparent"].startswith(f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-")


def test_stored_context_is_empty_without_a_span():
    assert inject_context() == {}


def test_stage_span_continues_the_stored_trace(traced):
    provider, exporter = traced
    tracer = provider.get_tracer("t")
    with tracer.start_as_current_span("admit") as admit:
        stored = inject_context()
    with start_span_from("decode", stored, {"message.id": "01X"}, tracer=tracer):
        pass
    decode = next(s for s in exporter.get_finished_spans() if s.name == "decode")
    assert decode.context.trace_id == admit.get_span_context().trace_id
    assert decode.parent.span_id == admit.get_span_context().span_id
    assert decode.attributes["message.id"] == "01X"


def test_stage_span_with_unreadable_context_starts_a_new_trace(traced):
    provider, exporter = traced
    with start_span_from("decode", {"traceparent": "garbage"}, tracer=provider.get_tracer("t")) as span:
        assert span.get_span_context().is_valid
    assert exporter.get_finished_spans()[0].parent is None


def test_stage_span_records_the_exception(traced):
    provider, exporter = traced
    with pytest.raises(ValueError), start_span_from("map", {}, tracer=provider.get_tracer("t")):
        raise ValueError("bad mapping")
    span = exporter.get_finished_spans()[0]
    assert not span.status.is_ok
    assert span.events[0].name == "exception"


def test_outbound_headers_carry_the_current_trace_and_keep_given_headers(traced):
    provider, _ = traced
    with start_span_from("deliver", {}, tracer=provider.get_tracer("t")) as span:
        headers = outbound_headers({"Idempotency-Key": "k1"})
    assert headers["Idempotency-Key"] == "k1"
    assert f"{span.get_span_context().trace_id:032x}" in headers["traceparent"]


def test_otlp_endpoint_accepts_base_url_or_full_traces_url():
    from gateway.telemetry.tracing import _traces_url

    assert _traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert _traces_url("http://collector:4318/v1/traces") == "http://collector:4318/v1/traces"


def test_without_exporter_spans_carry_ids_but_are_not_recorded():
    provider = setup_tracing(TelemetrySettings(), install_global=False)
    with start_span_from("admit", {}, tracer=provider.get_tracer("t")) as span:
        stored = inject_context()
    assert not span.is_recording()
    assert stored["traceparent"].endswith("-00") or stored["traceparent"].endswith("-02")


def test_stored_context_keeps_the_tracestate_of_the_trace(traced):
    provider, _ = traced
    stored = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": "vendor=abc"}
    with start_span_from("decode", stored, tracer=provider.get_tracer("t")):
        assert inject_context()["tracestate"] == "vendor=abc"


@pytest.mark.parametrize("sampler", [ParentBased(ALWAYS_OFF), ALWAYS_OFF])
def test_root_span_made_without_the_sdk_looks_as_the_sdk_makes_it(sampler):
    tracer = TracerProvider(sampler=sampler).get_tracer("t")
    ours, sdks = RootSpans(tracer).start("admit", SpanKind.SERVER, []), tracer.start_span("admit")
    assert not ours.is_recording() and not sdks.is_recording()
    mine, theirs = ours.get_span_context(), sdks.get_span_context()
    assert mine.is_valid and mine.trace_id != theirs.trace_id and mine.span_id != theirs.span_id
    assert (mine.trace_flags, mine.trace_state, mine.is_remote) == (theirs.trace_flags, theirs.trace_state, False)


def test_root_span_under_a_current_span_is_its_child(traced):
    provider, _ = traced
    tracer = provider.get_tracer("t")
    dropping = TracerProvider(sampler=ParentBased(ALWAYS_OFF)).get_tracer("t")
    with tracer.start_as_current_span("outer") as outer:
        span = RootSpans(dropping).start("admit", SpanKind.SERVER, [])
    assert span.get_span_context().trace_id == outer.get_span_context().trace_id
    assert span.is_recording()  # ParentBased follows the sampled parent


@pytest.mark.parametrize("sampler", [None, TraceIdRatioBased(0.5)])
def test_root_span_of_a_sampling_tracer_is_started_by_the_tracer(sampler):
    exporter = InMemorySpanExporter()
    provider = setup_tracing(TelemetrySettings(), exporter=exporter, install_global=False)
    tracer = provider.get_tracer("t") if sampler is None else TracerProvider(sampler=sampler).get_tracer("t")
    spans = RootSpans(tracer)
    started = [spans.start("admit", SpanKind.SERVER, []) for _ in range(64)]
    assert any(s.is_recording() for s in started)


UNSAMPLED_PARENT = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-02",
                    "tracestate": "vendor=abc"}


@pytest.mark.parametrize("sampler", [ParentBased(ALWAYS_OFF), ALWAYS_OFF])
def test_stage_span_of_an_unsampled_message_looks_as_the_sdk_makes_it(sampler):
    tracer = TracerProvider(sampler=sampler).get_tracer("t")
    with ContinuedSpans(tracer).start("deliver", UNSAMPLED_PARENT) as ours:
        sent = inject_context()
    sdks = tracer.start_span("deliver", context=TraceContextTextMapPropagator().extract(UNSAMPLED_PARENT))
    assert not ours.is_recording() and not sdks.is_recording()
    mine, theirs = ours.get_span_context(), sdks.get_span_context()
    assert mine.trace_id == theirs.trace_id == 0x0af7651916cd43dd8448eb211c80319c
    assert mine.span_id not in (theirs.span_id, 0xb7ad6b7169203331)
    assert (mine.trace_flags, mine.trace_state, mine.is_remote) == (theirs.trace_flags, theirs.trace_state, False)
    assert sent == {"traceparent": f"00-{mine.trace_id:032x}-{mine.span_id:016x}-02", "tracestate": "vendor=abc"}


def test_stage_span_of_a_sampled_message_is_recorded(traced):
    provider, exporter = traced
    stored = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    with ContinuedSpans(provider.get_tracer("t")).start("map", stored, {"gateway.partner": "acme"}) as span:
        assert span.is_recording()
    (finished,) = exporter.get_finished_spans()
    assert finished.parent.span_id == 0xb7ad6b7169203331 and finished.attributes["gateway.partner"] == "acme"
