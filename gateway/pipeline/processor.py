"""One message through decode → map → validate → route, as a ``MessageOutcome`` for the store.

Pure apart from telemetry: every stage becomes an OpenTelemetry span continuing the trace stored
with the message, and is timed. Any failure — an expected ``StageFailure`` or a bug surfacing as
another exception — quarantines the message with a precise reason; nothing is dropped and one bad
message never stops the queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from opentelemetry.trace import Tracer

from gateway.config.model import Channel, Partner
from gateway.decide.tenders import DECISION_MAPPING, TenderRules, decision_document
from gateway.documents import DecodeError, DecodeResult, DecoderRegistry, Document
from gateway.pipeline.decode import decode_or_refused, drain, next_document, nothing_to_map
from gateway.pipeline.failures import StageFailure
from gateway.pipeline.routing import route
from gateway.pipeline.stages import StageBug, StageClock
from gateway.pipeline.transform import MappedEvent, MappingSelector, MappingSource, map_document
from gateway.pipeline.validate import EventValidator, validate
from gateway.route import Router
from gateway.store.base import AuditRecord, InboundMessage, MessageOutcome, QuarantineReason, StoredEvent
from gateway.telemetry import ContinuedSpans, Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PipelineParts:
    """What the processor needs, built once by the composition root."""

    decoders: DecoderRegistry
    mappings: MappingSource
    validator: EventValidator
    router: Router
    channels: Mapping[str, Channel]
    partners: Mapping[str, Partner] = field(default_factory=dict)
    acknowledgements: Callable[[dict[str, Any], str, str], list[AuditRecord]] | None = None
    # Partners whose messages decode differently (X12 guide overrides); the rest use ``decoders``.
    partner_decoders: Mapping[str, DecoderRegistry] = field(default_factory=dict)
    # Load tenders the gateway answers by itself (the configuration's tender_rules).
    tender_rules: TenderRules = field(default_factory=lambda: TenderRules(()))


class _Translation:
    """What a message's documents have produced so far: stored events, deliveries and their audit."""

    __slots__ = ("acks", "decisions", "deliveries", "documents", "events", "mapped", "tender_answers")

    def __init__(self) -> None:
        self.documents: list[dict[str, str]] = []
        self.mapped: list[dict[str, Any]] = []
        self.acks: list[AuditRecord] = []
        self.events: list[StoredEvent] = []
        self.deliveries: list[tuple[str, str]] = []
        self.decisions: list[dict[str, Any]] = []
        self.tender_answers: list[dict[str, Any]] = []

    def decode_audit(self, mid: str, result: DecodeResult | None) -> list[AuditRecord]:
        if result is None:
            return []
        return [AuditRecord(mid, "decode", {"documents": self.documents, "warnings": result.warnings,
                                            "rejected": [_refusal(r) for r in result.rejected]})]

    def audit(self, mid: str, result: DecodeResult) -> list[AuditRecord]:
        return [*self.decode_audit(mid, result),
                AuditRecord(mid, "map", {"mappings": sorted({m["mapping"] for m in self.mapped}), "events": self.mapped}),
                *self.acks,
                AuditRecord(mid, "validate", {"events": len(self.events), "valid": True}),
                *([AuditRecord(mid, "decide", {"tenders": self.tender_answers})] if self.tender_answers else []),
                AuditRecord(mid, "route", {"decisions": self.decisions})]


class MessageProcessor:
    """Runs one message through the stages, one document at a time.

    Each document is decoded, mapped, validated and routed before the next is read, and only its
    events (as the JSON that will be stored) are kept: a large X12 interchange never has more
    than one set's tree in memory, and its trees die young, which keeps the garbage collector's
    work small (holding a 10 MB interchange's 18,718 trees at once cost 650 MB and more than
    half the message's CPU time in collections).
    """

    def __init__(self, parts: PipelineParts, metrics: Metrics | None = None, tracer: Tracer | None = None) -> None:
        self._parts = parts
        self._metrics = metrics
        self._spans = ContinuedSpans(tracer)

    def _mapping_name(self, message: InboundMessage) -> str | None:
        channel = self._parts.channels.get(message.channel)
        return None if channel is None or channel.mapping == "auto" else channel.mapping

    def process(self, message: InboundMessage, owner: str) -> MessageOutcome:
        """The outcome of ``message``, claimed by ``owner``: events and deliveries, or a quarantine."""
        clock = StageClock()
        done = _Translation()
        result: DecodeResult | None = None
        try:
            try:
                with clock("decode"):
                    decoders = self._parts.partner_decoders.get(message.partner, self._parts.decoders)
                    result = decode_or_refused(message, decoders)
                self._translate(message, result, clock, done)
            finally:
                clock.report(self._spans, message.trace_context,
                             {"gateway.message_id": message.id, "gateway.partner": message.partner}, self._metrics)
        except StageFailure as failure:
            return self._quarantine(message, owner, failure.reason, done, result)
        except StageBug as exc:
            log.error("stage %s failed on message %s", exc.stage, message.id, exc_info=exc.cause)
            reason = QuarantineReason(exc.stage, "gateway", f"{type(exc.cause).__name__}: {exc.cause}",
                                      "internal error; fix and replay")
            return self._quarantine(message, owner, reason, done, result)
        return MessageOutcome(message.id, owner, events=tuple(done.events), deliveries=tuple(done.deliveries),
                              audit=tuple(done.audit(message.id, result)), **self._protocol(message, result))

    def _translate(self, message: InboundMessage, result: DecodeResult, clock: StageClock, done: _Translation) -> None:
        parts = self._parts
        # One snapshot per message: a hot reload never splits a message across versions.
        mappings, name = parts.mappings.current(), self._mapping_name(message)
        documents = iter(result.documents)
        index = 0
        while True:
            with clock("decode"):
                document = next_document(documents)
            if document is None:
                break
            done.documents.append({"format": document.format, "kind": document.kind, "locator": document.locator})
            with clock("map"):
                mapped = map_document(message, document, index, mappings, name)
            self._keep(message, mapped, clock, done)
            if parts.tender_rules:
                self._answer_tenders(message, mapped, index, mappings, clock, done)
            index += 1
        if not index:
            raise StageFailure(nothing_to_map(result))

    def _keep(self, message: InboundMessage, mapped: list[MappedEvent], clock: StageClock, done: _Translation) -> None:
        """Validate and route one document's events and keep them for the outcome."""
        parts = self._parts
        for m in mapped:
            done.mapped.append({"id": m.event.get("id"), "type": m.event.get("type"), "mapping": m.mapping})
            if parts.acknowledgements is not None:
                done.acks += parts.acknowledgements(m.event, message.partner, message.id)
        with clock("validate"):
            validate(mapped, parts.validator, first=len(done.events))
        with clock("route"):
            deliveries, decisions = route(mapped, message.partner, parts.router)
        done.deliveries += deliveries
        done.decisions += decisions
        done.events += [StoredEvent(m.event["id"], m.event["type"], _stored_json(m.event)) for m in mapped]

    def _answer_tenders(self, message: InboundMessage, mapped: list[MappedEvent], index: int,
                        mappings: MappingSelector, clock: StageClock, done: _Translation) -> None:
        """The responses of the configured rules to this document's load tenders: more events of
        this message, translated by the ``tender-decision`` mapping as a planner's would be."""
        for k, m in enumerate(mapped):
            rule = self._parts.tender_rules.rule_for(m.event, message.partner)
            if rule is None:
                continue
            tree = decision_document(m.event, message.id, rule.decision, f"rule:{rule.name}", message.received_at,
                                     rule.reason, rule.reason_text)
            document = Document(tree, "json", "json", f"tender rule {rule.name} answering event {m.event['id']}")
            with clock("map"):
                answers = map_document(message, document, f"{index}.{k}", mappings, DECISION_MAPPING)
            self._keep(message, answers, clock, done)
            done.tender_answers.append({"tender": m.event["id"], "rule": rule.name, "decision": rule.decision,
                                        "responses": [a.event["id"] for a in answers]})

    def _protocol(self, message: InboundMessage, result: DecodeResult | None) -> dict[str, Any]:
        """Dedup keys and replies of the decoded message, and where the partner wants replies sent."""
        if result is None:
            return {}
        partner = self._parts.partners.get(message.partner)
        build = result.replies if partner is None or partner.x12.ack != "none" else None
        kind = partner.x12.ack if partner is not None else None
        return {"dedup_keys": tuple(result.dedup_keys),
                "refused_parts": tuple(QuarantineReason("decode", r.where, r.what, r.why) for r in result.rejected),
                "replies": (lambda numbers, seen: build(numbers, seen, kind)) if build is not None else None,
                "reply_target": partner.x12.ack_target if partner is not None else None}

    def _quarantine(self, message: InboundMessage, owner: str, reason: QuarantineReason, done: _Translation,
                    result: DecodeResult | None) -> MessageOutcome:
        if result is not None:
            # What the decoder refuses after the failure belongs to the record (and the 997) too.
            try:
                drain(result)
            except Exception:  # the quarantine stands; a decoder bug must not stop the queue
                log.exception("reading the rest of message %s after its failure failed", message.id)
        if self._metrics is not None:
            self._metrics.quarantined(reason.stage, reason.why[:60] or reason.stage)
        audit = [*done.decode_audit(message.id, result), AuditRecord(message.id, "quarantine", {
            "stage": reason.stage, "where": reason.where, "what": reason.what, "why": reason.why,
            "mapping": reason.mapping})]
        return MessageOutcome(message.id, owner, audit=tuple(audit), quarantine=reason,
                              **self._protocol(message, result))


def _stored_json(event: dict[str, Any]) -> bytes:
    """The event's JSON in a buffer of its own length.

    orjson returns its output in a buffer rounded up to a power of two and never shrinks it; the
    events of a message are held until its outcome commits, and for a large interchange those
    buffers were three quarters empty (2.3 KB of JSON in 8 KB each: 166 of a 10 MB file's 206 MB).
    """
    return bytes(memoryview(orjson.dumps(event)))


def _refusal(error: DecodeError) -> dict[str, str]:
    return {"where": error.where, "what": error.what, "why": error.why}
