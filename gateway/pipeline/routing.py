"""Stage 4, route: decide each event's targets; the decisions become outbox entries and audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.pipeline.transform import MappedEvent
from gateway.route import Router


def route(events: Sequence[MappedEvent], partner: str, router: Router) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """The (event id, target) deliveries and a JSON-ready decision per event for the audit."""
    deliveries: list[tuple[str, str]] = []
    decisions: list[dict[str, Any]] = []
    for mapped in events:
        event_id = mapped.event["id"]
        decision = router.decide(mapped.event, partner)
        deliveries.extend((event_id, target) for target in decision.targets)
        decisions.append({"event_id": event_id, "type": mapped.event.get("type"), "routes": list(decision.routes),
                          "targets": list(decision.targets)})
    return deliveries, decisions
