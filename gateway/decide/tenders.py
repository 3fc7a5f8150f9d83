"""Answers to load tenders, by rule or by a planner's decision.

Either way the answer becomes a *decision document* (the tender event's data, the decision, its
reason and who decided), which the ``tender-decision`` mapping translates into a tender.response
event like any partner document. So the response is validated, routed, stored and audited like
every other event, and a partner's x12 target sends it as the 990 the shipper waits for.

* A rule (``tender_rules`` in the configuration) answers while the 204's message is processed:
  the response is one more event of that message.
* A planner answers through ``POST /v1/admin/tender-decisions``: the decision document is
  admitted as a message of the tender's partner on the built-in ``gateway:tender-decisions``
  channel, and the pipeline does the rest. A TMS or planning tool that receives load.tender
  events by webhook has what it needs to answer: ``message_id`` is the event's
  ``rawmessageid`` and ``event_id`` its ``id``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from ulid_transform import ulid_at_time

from canonical.events import EVENT_TYPES
from gateway.config.model import Channel, Route, TenderRule
from gateway.route import Router
from gateway.store.base import AuditRecord, InboundMessage, Store
from gateway.telemetry.tracing import inject_context

DECISION_MAPPING = "tender-decision"
DECISIONS_CHANNEL = "gateway:tender-decisions"
DECISIONS = ("ACCEPTED", "DECLINED")
LOAD_TENDER = EVENT_TYPES["load.tender"].ce_type
_REASON = re.compile(r"^[A-Z][A-Z0-9_]*$")


class DecisionError(ValueError):
    """A decision that cannot be made: no such tender, or a decision the 990 cannot carry."""


def decisions_channel() -> Channel:
    """The built-in channel planners' decisions arrive on (no partner owns it: each decision is
    admitted as a message of the tender's own partner)."""
    return Channel(DECISIONS_CHANNEL, "", ("application/json",), DECISION_MAPPING)


def decision_document(tender: Mapping[str, Any], message_id: str, decision: str, decided_by: str,
                      responded_at: str, reason: str | None = None, reason_text: str | None = None,
                      pickup_at: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the ``tender-decision`` mapping reads: ``tender`` is the stored load.tender event.

    Raises ``DecisionError`` for anything a tender.response (and so a 990) cannot say.
    """
    if tender.get("type") != LOAD_TENDER:
        raise DecisionError(f"event {tender.get('id')} of message {message_id} is a {tender.get('type')}, "
                            "not a load tender")
    if _cancels(tender):
        raise DecisionError(f"event {tender.get('id')} of message {message_id} cancels a tender: "
                            "there is nothing to accept or decline")
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    if reason is not None and not _REASON.match(reason):
        raise DecisionError(f"reason {reason!r} is not a canonical reason code (such as DRIVER_UNAVAILABLE)")
    if decision == "ACCEPTED" and (reason or reason_text):
        raise DecisionError("a reason goes with a decline, not an acceptance")
    if pickup_at is not None and not isinstance(pickup_at, Mapping):
        raise DecisionError("pickup_at must be a canonical time value such as {\"localDate\": \"2026-12-08\", "
                            "\"localTime\": \"08:00\"}")
    document: dict[str, Any] = {"decision": decision, "decidedBy": decided_by, "respondedAt": responded_at,
                                "tender": {"id": tender.get("id"), "message": message_id, "type": LOAD_TENDER,
                                           "data": tender.get("data")}}
    optional = (("reason", reason), ("reasonText", reason_text), ("pickupAt", pickup_at))
    document.update({key: value for key, value in optional if value is not None})
    return document


class TenderRules:
    """The configuration's tender rules: which load tenders the gateway answers by itself.

    Rules match like routes (partner, and values at dotted event paths); the first that matches
    decides, so specific rules go before general ones. A tender that cancels an earlier one is
    never answered: there is nothing to accept or decline.
    """

    def __init__(self, rules: Sequence[TenderRule]) -> None:
        self._rules = {r.name: r for r in rules}
        self._router = Router(tuple(Route(r.name, r.match, (r.name,)) for r in rules))

    def __bool__(self) -> bool:
        return bool(self._rules)

    def rule_for(self, event: Mapping[str, Any], partner: str) -> TenderRule | None:
        """The first rule answering ``event`` (a load.tender of ``partner``), or None."""
        if event.get("type") != LOAD_TENDER or _cancels(event):
            return None
        matched = self._router.decide(event, partner).targets
        return self._rules[matched[0]] if matched else None


def _cancels(tender: Mapping[str, Any]) -> bool:
    data = tender.get("data")
    return isinstance(data, Mapping) and data.get("purpose") == "CANCEL"


def decision_hook(store: Store) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    """The hook behind ``POST /v1/admin/tender-decisions``: a planner's answer to a load tender.

    Body: ``{"message_id", "event_id", "decision": "ACCEPTED"|"DECLINED", "reason"?, "reason_text"?,
    "pickup_at"?, "decided_by"}``, ``decided_by`` as the HTTP layer attributes it. The decision is
    admitted as a message (a repeat of the same decision on the same tender is the same message)
    and answered with its id, and the tender's message gets a ``decide`` audit entry naming the
    planner and that message; ``ValueError`` (422) when there is no such load tender or the
    decision cannot be sent.
    """
    async def hook(body: dict[str, Any]) -> dict[str, Any]:
        message_id, event_id = str(body.get("message_id") or ""), str(body.get("event_id") or "")
        if not message_id or not event_id:
            raise DecisionError("give message_id and event_id of the load tender to answer")
        found = store.event(message_id, event_id)   # one indexed row, however large the message
        if found is None:
            raise DecisionError(f"message {message_id} has no event {event_id}")
        partner, tender = found
        # Set by the HTTP layer from the caller's key: planner:NAME, or admin:WHOEVER the admin named.
        decided_by = str(body.get("decided_by") or "admin:admin-api")
        now = time.time()
        received = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        document = decision_document(tender, message_id, str(body.get("decision")), decided_by, received,
                                     body.get("reason"), body.get("reason_text"), body.get("pickup_at"))
        admission = await store.admit(InboundMessage(
            id=ulid_at_time(now), partner=partner, channel=DECISIONS_CHANNEL,
            content_type="application/json", body=orjson.dumps(document), received_at=received,
            idempotency_key=f"tender-decision:{event_id}:{document['decision']}", trace_context=inject_context()))
        if not admission.duplicate:
            # The tender's own history says who answered it and where the answer went.
            await store.audit([AuditRecord(message_id, "decide", {"tenders": [
                {"tender": event_id, "planner": decided_by, "decision": document["decision"],
                 "message": admission.message_id}]})])
        location = f"/v1/messages/{admission.message_id}"
        return {"id": admission.message_id, "status": "duplicate" if admission.duplicate else "admitted",
                "links": {"self": location}}

    return hook


def tenders_hook(store: Store) -> Callable[[Mapping[str, str]], dict[str, Any]]:
    """The hook behind ``GET /v1/admin/tenders``: the load tenders a planner may answer.

    Query: ``limit`` (the latest so many tenders; default 50, at most 500), ``partner``, and
    ``open=true`` to keep, of those, the ones without an answer. Each tender says where it is
    (``message_id``, ``event_id``: what a decision names), its partner, load, respond-by time and
    the decisions recorded on it.
    """
    def hook(query: Mapping[str, str]) -> dict[str, Any]:
        try:
            limit = int(query.get("limit", "50"))
        except ValueError:
            raise DecisionError(f"limit must be a whole number, not {query.get('limit')!r}") from None
        if not 1 <= limit <= 500:
            raise DecisionError(f"limit must be between 1 and 500, not {limit}")
        only_open = query.get("open", "false").lower() in ("true", "1", "yes")
        listed = []
        for tender in store.load_tenders(query.get("partner") or None, limit):
            waiting = not tender.decisions and not _cancels(tender.event)
            if only_open and not waiting:
                continue
            data = tender.event.get("data") or {}
            listed.append({"message_id": tender.message_id, "event_id": tender.event.get("id"),
                           "partner": tender.partner, "load": (data.get("subject") or {}).get("value"),
                           "purpose": data.get("purpose"), "respond_by": data.get("respondBy"),
                           "received_at": data.get("receivedAt"), "decisions": list(tender.decisions),
                           "open": waiting})
        return {"tenders": listed}

    return hook
