"""Match a partner's functional acknowledgements to the interchanges the gateway sent it.

An x12 target sends each event as an interchange whose group control number (GS06) is the
outbox entry's id. When that partner's 997 comes in, its ``acknowledgement`` event names the
group; the match is recorded in the audit of the message whose event was sent, so that message's
history says whether the partner accepted what it received.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.store.base import AuditRecord

ACK_TYPE = "org.logistics-gateway.acknowledgement.v1"


class AcknowledgementMatcher:
    """``acknowledged_by`` maps an x12 target id to the partner whose acknowledgements count for it."""

    def __init__(self, acknowledged_by: Mapping[str, str], outbox_entry: Callable[[int], dict[str, Any] | None]) -> None:
        self._acknowledged_by = dict(acknowledged_by)
        self._outbox_entry = outbox_entry

    def __call__(self, event: dict[str, Any], partner: str, message_id: str) -> list[AuditRecord]:
        """Audit records for the sent messages this acknowledgement event answers (none if it is not ours)."""
        if event.get("type") != ACK_TYPE or not self._acknowledged_by:
            return []
        data = event.get("data") or {}
        control = str(data.get("groupControlNumber", ""))
        if not control.isdigit():
            return []
        entry = self._outbox_entry(int(control))
        if entry is None or self._acknowledged_by.get(entry["target"]) != partner:
            return []
        detail = {"target": entry["target"], "outbox_id": entry["id"], "event_id": entry["event_id"],
                  "group_control_number": control, "status": data.get("groupStatus"),
                  "acknowledgement_message": message_id, "acknowledgement_event": event.get("id")}
        return [AuditRecord(entry["message_id"], "x12-acknowledged", detail),
                AuditRecord(message_id, "x12-acknowledges", detail)]
