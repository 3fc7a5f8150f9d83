"""One message through decode → map → validate → route, as a ``MessageOutcome`` for the store.

Pure apart from telemetry: every stage runs in an OpenTelemetry span continuing the trace stored
with the message, and is timed. Any failure — an expected ``StageFailure`` or a bug surfacing as
another exception — quarantines the message with a precise reason; nothing is dropped and one bad
message never stops the queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from opentelemetry.trace import Tracer

from gateway.config.model import Channel, Partner
from gateway.documents import DecodeError, DecodeResult, DecoderRegistry
from gateway.pipeline.decode import decode_or_refused, nothing_to_map
from gateway.pipeline.failures import StageFailure
from gateway.pipeline.routing import route
from gateway.pipeline.transform import MappingSource, map_documents
from gateway.pipeline.validate import EventValidator, validate
from gateway.route import Router
from gateway.store.base import AuditRecord, InboundMessage, MessageOutcome, QuarantineReason, StoredEvent
from gateway.telemetry import ContinuedSpans, Metrics

log = logging.getLogger(__name__)


class _InternalError(Exception):
    """A stage raised something it should not have; carries the stage name for the quarantine."""

    def __init__(self, stage: str, cause: BaseException) -> None:
        self.stage, self.cause = stage, cause
        super().__init__(f"{stage}: {type(cause).__name__}: {cause}")


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


class MessageProcessor:
    def __init__(self, parts: PipelineParts, metrics: Metrics | None = None, tracer: Tracer | None = None) -> None:
        self._parts = parts
        self._metrics = metrics
        self._spans = ContinuedSpans(tracer)

    @contextmanager
    def _stage(self, name: str, message: InboundMessage) -> Iterator[None]:
        started = time.perf_counter()
        try:
            with self._spans.start(name, message.trace_context, {"gateway.message_id": message.id,
                                                                 "gateway.partner": message.partner}):
                yield
        except StageFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - a bug in one stage must quarantine, not stall the queue
            log.exception("stage %s failed on message %s", name, message.id)
            raise _InternalError(name, exc) from exc
        finally:
            if self._metrics is not None:
                self._metrics.observe_stage(name, time.perf_counter() - started)

    def _mapping_name(self, message: InboundMessage) -> str | None:
        channel = self._parts.channels.get(message.channel)
        return None if channel is None or channel.mapping == "auto" else channel.mapping

    def process(self, message: InboundMessage, owner: str) -> MessageOutcome:
        """The outcome of ``message``, claimed by ``owner``: events and deliveries, or a quarantine."""
        mid = message.id
        audit: list[AuditRecord] = []
        result: DecodeResult | None = None
        try:
            with self._stage("decode", message):
                result = decode_or_refused(message, self._parts.decoders)
            audit.append(AuditRecord(mid, "decode", {
                "documents": [{"format": d.format, "kind": d.kind, "locator": d.locator} for d in result.documents],
                "warnings": result.warnings, "rejected": [_refusal(r) for r in result.rejected]}))
            if not result.documents:
                raise StageFailure(nothing_to_map(result))
            with self._stage("map", message):
                # One snapshot per message: a hot reload never splits a message across versions.
                mapped = map_documents(message, result.documents, self._parts.mappings.current(),
                                       self._mapping_name(message))
            audit.append(AuditRecord(mid, "map", {
                "mappings": sorted({m.mapping for m in mapped}),
                "events": [{"id": m.event.get("id"), "type": m.event.get("type"), "mapping": m.mapping}
                           for m in mapped]}))
            if self._parts.acknowledgements is not None:
                for m in mapped:
                    audit += self._parts.acknowledgements(m.event, message.partner, mid)
            with self._stage("validate", message):
                validate(mapped, self._parts.validator)
            audit.append(AuditRecord(mid, "validate", {"events": len(mapped), "valid": True}))
            with self._stage("route", message):
                deliveries, decisions = route(mapped, message.partner, self._parts.router)
            audit.append(AuditRecord(mid, "route", {"decisions": decisions}))
        except StageFailure as failure:
            return self._quarantine(message, owner, failure.reason, audit, result)
        except _InternalError as exc:
            reason = QuarantineReason(exc.stage, "gateway", f"{type(exc.cause).__name__}: {exc.cause}",
                                      "internal error; fix and replay")
            return self._quarantine(message, owner, reason, audit, result)
        events = tuple(StoredEvent(m.event["id"], m.event["type"], orjson.dumps(m.event)) for m in mapped)
        return MessageOutcome(mid, owner, events=events, deliveries=tuple(deliveries), audit=tuple(audit),
                              **self._protocol(message, result))

    def _protocol(self, message: InboundMessage, result: DecodeResult | None) -> dict[str, Any]:
        """Dedup keys and replies of the decoded message, and where the partner wants replies sent."""
        if result is None:
            return {}
        partner = self._parts.partners.get(message.partner)
        wants_replies = result.replies is not None and (partner is None or partner.x12.ack != "none")
        kind = partner.x12.ack if partner is not None else None
        build = result.replies
        return {"dedup_keys": tuple(result.dedup_keys),
                "refused_parts": tuple(QuarantineReason("decode", r.where, r.what, r.why) for r in result.rejected),
                "replies": (lambda numbers, seen: build(numbers, seen, kind)) if wants_replies else None,
                "reply_target": partner.x12.ack_target if partner is not None else None}

    def _quarantine(self, message: InboundMessage, owner: str, reason: QuarantineReason,
                    audit: list[AuditRecord], result: DecodeResult | None) -> MessageOutcome:
        if self._metrics is not None:
            self._metrics.quarantined(reason.stage, reason.why[:60] or reason.stage)
        audit.append(AuditRecord(message.id, "quarantine", {
            "stage": reason.stage, "where": reason.where, "what": reason.what, "why": reason.why,
            "mapping": reason.mapping}))
        return MessageOutcome(message.id, owner, audit=tuple(audit), quarantine=reason,
                              **self._protocol(message, result))


def _refusal(error: DecodeError) -> dict[str, str]:
    return {"where": error.where, "what": error.what, "why": error.why}
