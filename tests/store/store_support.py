"""Small builders for store tests: messages, outcomes and events as the pipeline would make them."""

from __future__ import annotations

from collections.abc import Callable

import orjson
from ulid_transform import ulid_now

from gateway.store.base import AuditRecord, InboundMessage, MessageOutcome, Store, StoredEvent

Opener = Callable[[], Store]

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def message(body: bytes = b'{"n": 1}', partner: str = "acme", key: str | None = None) -> InboundMessage:
    return InboundMessage(id=ulid_now(), partner=partner, channel="acme-json", content_type="application/json",
                          body=body, received_at="2026-11-28T01:00:00.000Z", idempotency_key=key,
                          trace_context={"traceparent": TRACEPARENT})


def event(event_id: str, etype: str = "com.example.shipment.status") -> StoredEvent:
    return StoredEvent(event_id, etype, orjson.dumps({"specversion": "1.0", "id": event_id, "type": etype,
                                                      "source": "test", "data": {"n": 1}}))


def processed(message_id: str, owner: str, targets: tuple[str, ...] = ("erp",), n_events: int = 1) -> MessageOutcome:
    events = tuple(event(f"{message_id}-{i}") for i in range(n_events))
    return MessageOutcome(message_id=message_id, owner=owner, events=events,
                          deliveries=tuple((e.id, t) for e in events for t in targets),
                          audit=(AuditRecord(message_id, "map", {"mapping": "acme-status@1"}),
                                 AuditRecord(message_id, "route", {"targets": list(targets)})))
