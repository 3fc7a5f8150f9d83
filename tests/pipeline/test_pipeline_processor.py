"""One message through decode → map → validate → route, with real decoders, mappings and schemas."""

from __future__ import annotations

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pipeline_support import (
    CHANNELS,
    CORPUS,
    FEDEX_WEBHOOK,
    STATUS_TYPE,
    TRACEPARENT,
    UNMAPPABLE,
    USPS_TRACKER,
    MakeProcessor,
    changed,
    message,
)

from canonical.validate import CanonicalValidator
from gateway.config.model import Route, RouteMatch
from gateway.documents import DecodeResult, DecoderRegistry
from gateway.mapping import MappingRegistry
from gateway.pipeline.processor import MessageProcessor, PipelineParts
from gateway.route import Router


def test_a_carrier_webhook_becomes_one_canonical_event_per_scan(processor: MessageProcessor) -> None:
    outcome = processor.process(message(FEDEX_WEBHOOK.read_bytes()), "w")
    assert outcome.quarantine is None
    assert len(outcome.events) == len(orjson.loads(FEDEX_WEBHOOK.read_bytes())["result"]["tracking_details"])
    assert {e.type for e in outcome.events} == {STATUS_TYPE}


def test_each_event_is_stored_as_the_json_that_will_be_delivered(processor: MessageProcessor) -> None:
    outcome = processor.process(message(USPS_TRACKER.read_bytes()), "w")
    for stored in outcome.events:
        event = orjson.loads(stored.body)
        assert event["id"] == stored.id and event["specversion"] == "1.0" and event["mapping"] == "easypost-tracker@1"


def test_routed_events_become_one_outbox_entry_per_target(make_processor: MakeProcessor) -> None:
    routes = (Route("all", RouteMatch(types=(STATUS_TYPE,)), ("erp", "tms")),)
    outcome = make_processor(routes).process(message(USPS_TRACKER.read_bytes()), "w")
    assert sorted(outcome.deliveries) == sorted((e.id, t) for e in outcome.events for t in ("erp", "tms"))


def test_an_unrouted_event_is_kept_without_deliveries(make_processor: MakeProcessor) -> None:
    outcome = make_processor(routes=()).process(message(USPS_TRACKER.read_bytes()), "w")
    assert outcome.events and outcome.deliveries == ()
    [route_audit] = [a for a in outcome.audit if a.stage == "route"]
    assert all(d["targets"] == [] for d in route_audit.detail["decisions"])


def test_processing_the_same_message_again_yields_the_same_event_ids(processor: MessageProcessor) -> None:
    m = message(FEDEX_WEBHOOK.read_bytes())
    assert [e.id for e in processor.process(m, "w").events] == [e.id for e in processor.process(m, "w2").events]


def test_the_audit_names_the_mapping_version_and_the_route_decision(processor: MessageProcessor) -> None:
    outcome = processor.process(message(USPS_TRACKER.read_bytes()), "w")
    stages = {a.stage: a.detail for a in outcome.audit}
    assert list(stages) == ["decode", "map", "validate", "route"]
    assert stages["map"]["mappings"] == ["easypost-tracker@1"]
    assert {d["routes"][0] for d in stages["route"]["decisions"]} == {"status-to-erp"}


def test_a_channel_can_name_its_mapping_instead_of_matching(processor: MessageProcessor) -> None:
    outcome = processor.process(message(USPS_TRACKER.read_bytes(), channel="acme-easypost"), "w")
    assert outcome.quarantine is None and outcome.events


def test_malformed_bytes_are_quarantined_at_decode_with_the_position(processor: MessageProcessor) -> None:
    reason = processor.process(message(b'{"object": "Tracker", '), "w").quarantine
    assert reason is not None
    assert (reason.stage, reason.where) == ("decode", "line 1, column 23")
    assert "malformed JSON" in reason.what


def test_a_content_type_without_decoder_is_quarantined_at_decode(processor: MessageProcessor) -> None:
    reason = processor.process(message(b"%PDF-1.7", content_type="application/pdf"), "w").quarantine
    assert reason is not None and reason.stage == "decode" and "application/pdf" in reason.what


def test_a_document_no_mapping_matches_is_quarantined_at_map(processor: MessageProcessor) -> None:
    reason = processor.process(message(UNMAPPABLE), "w").quarantine
    assert reason is not None and reason.stage == "map" and "no mapping matches" in reason.what


def test_a_mapping_failure_names_the_mapping_version_file_position_and_field(processor: MessageProcessor) -> None:
    body = changed(FEDEX_WEBHOOK, "result.tracking_code", None)
    reason = processor.process(message(body), "w").quarantine
    assert reason is not None
    assert (reason.stage, reason.mapping, reason.what) == ("map", "easypost-tracker@1", "required value is missing")
    assert "easypost-tracker.yaml:" in reason.where and "field data.subject.value" in reason.where


def test_an_event_breaking_the_canonical_schema_is_quarantined_at_validate(processor: MessageProcessor) -> None:
    body = changed(FEDEX_WEBHOOK, "result.tracking_details.0.tracking_location.country", "USA-long")
    reason = processor.process(message(body), "w").quarantine
    assert reason is not None
    assert (reason.stage, reason.mapping) == ("validate", "easypost-tracker@1")
    assert reason.where.endswith("/data/location/address/countryCode") and "pattern" in reason.what


def test_a_quarantined_message_has_no_events_and_no_deliveries(processor: MessageProcessor) -> None:
    outcome = processor.process(message(UNMAPPABLE), "w")
    assert outcome.events == () and outcome.deliveries == ()
    assert outcome.audit[-1].stage == "quarantine"


class _BrokenDecoder:
    """A decoder with a bug (raises something other than DecodeError)."""

    format = "json"

    def decode(self, body: bytes, content_type: str) -> DecodeResult:
        raise KeyError("oops")


def test_a_bug_in_a_stage_quarantines_the_message_instead_of_stopping_the_queue(
        registry: MappingRegistry, validator: CanonicalValidator) -> None:
    parts = PipelineParts(DecoderRegistry({"application/json": _BrokenDecoder()}), registry, validator,
                          Router(()), CHANNELS)
    reason = MessageProcessor(parts).process(message(b"{}"), "w").quarantine
    assert reason is not None and reason.stage == "decode" and "KeyError" in reason.what


def test_every_stage_continues_the_trace_stored_with_the_message(make_processor: MakeProcessor) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    make_processor(tracer=provider.get_tracer("test")).process(message(USPS_TRACKER.read_bytes()), "w")
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == ["decode", "map", "validate", "route"]
    trace_id, parent_id = TRACEPARENT.split("-")[1:3]
    assert all(f"{s.context.trace_id:032x}" == trace_id and f"{s.parent.span_id:016x}" == parent_id for s in spans)


@pytest.mark.parametrize("sample_file", sorted(p.name for p in CORPUS.glob("*.json")))
def test_every_carrier_corpus_sample_flows_through_to_valid_routed_events(processor: MessageProcessor,
                                                                         sample_file: str) -> None:
    outcome = processor.process(message((CORPUS / sample_file).read_bytes()), "w")
    assert outcome.quarantine is None, outcome.quarantine
    assert outcome.events and len(outcome.deliveries) == len(outcome.events)
