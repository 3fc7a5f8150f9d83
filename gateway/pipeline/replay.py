"""Replays for operators, to be called by the CLI (``gateway replay``) and the HTTP API
(``POST /v1/admin/replay``).

- ``replay_quarantined(store, message_id, requested_by)``: for a quarantined message, or one with
  parts refused on their own (X12 sets failing their guide), the store queues the *original raw bytes*
  again; the pipeline decodes and maps them with the mappings loaded *now* (so a fixed mapping
  version applies), and the message's history keeps the earlier quarantine reason and who replayed.
- ``replay_dead_letter(store, dead_letter_id, requested_by)``: the outbox entry is queued again for
  the same target with a fresh attempt budget; the event is the one stored, unchanged, so the
  target sees the same ``Idempotency-Key`` and can deduplicate.
- ``replay_dead_letters`` / ``replay_all_quarantined``: the same for everything currently parked
  (optionally one target / one partner).
- ``replay_hook(store)``: the same behind ``POST /v1/admin/replay`` (body format in its docstring).

All raise ``NotReplayable`` (a ``LookupError``) when the id does not exist or is not parked; the
HTTP layer maps that to 404/409. A running gateway picks replayed work up within a second even when
the replay was made by another process (the CLI), because its workers also poll.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gateway.store.base import NotReplayable, Store

__all__ = ["NotReplayable", "Replayed", "replay_all_quarantined", "replay_dead_letter", "replay_dead_letters",
           "replay_hook", "replay_quarantined"]


@dataclass(frozen=True, slots=True)
class Replayed:
    """A receipt: what was queued again (``kind`` "quarantine" or "dead_letter"), and for whom."""

    kind: str
    ref: str
    requested_by: str


async def replay_quarantined(store: Store, message_id: str, requested_by: str) -> Replayed:
    """Queue a quarantined message's raw bytes for the pipeline again."""
    await store.replay_quarantined(message_id, requested_by)
    return Replayed("quarantine", message_id, requested_by)


async def replay_dead_letter(store: Store, dead_letter_id: int, requested_by: str) -> Replayed:
    """Queue one dead-lettered delivery again."""
    await store.replay_dead_letter(dead_letter_id, requested_by)
    return Replayed("dead_letter", str(dead_letter_id), requested_by)


async def replay_dead_letters(store: Store, requested_by: str, target: str | None = None,
                              limit: int = 1000) -> list[Replayed]:
    """Queue every open dead letter (of ``target``, if given) again; at most ``limit``."""
    return [await replay_dead_letter(store, d.id, requested_by) for d in store.dead_letters(target, limit=limit)]


async def replay_all_quarantined(store: Store, requested_by: str, partner: str | None = None,
                                 limit: int = 1000) -> list[Replayed]:
    """Queue every quarantined message (of ``partner``, if given) again; at most ``limit``.

    A message quarantined for several reasons (several refused parts) is queued once.
    """
    messages = dict.fromkeys(q.message_id for q in store.quarantined(partner, limit=limit))
    return [await replay_quarantined(store, message_id, requested_by) for message_id in messages]


def replay_hook(store: Store) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    """The ``replay`` hook for ``gateway.http.app.create_app`` (``POST /v1/admin/replay``).

    Accepted bodies (``requested_by`` optional, default "admin-api"):
    ``{"message_id": "01J..."}`` — a quarantined message; ``{"dead_letter_id": 12}`` — one dead letter;
    ``{"all": "quarantined", "partner": "acme"}`` / ``{"all": "dead_letters", "target": "erp"}``.
    Answers ``{"replayed": [{"kind", "ref", "requested_by"}, ...]}``; raises ``ValueError`` (422)
    for a body it cannot serve or something that is not parked.
    """
    async def hook(body: dict[str, Any]) -> dict[str, Any]:
        who = str(body.get("requested_by") or "admin-api")
        try:
            if "message_id" in body:
                done = [await replay_quarantined(store, str(body["message_id"]), who)]
            elif "dead_letter_id" in body:
                done = [await replay_dead_letter(store, int(body["dead_letter_id"]), who)]
            elif body.get("all") == "quarantined":
                done = await replay_all_quarantined(store, who, body.get("partner"))
            elif body.get("all") == "dead_letters":
                done = await replay_dead_letters(store, who, body.get("target"))
            else:
                raise ValueError("give message_id, dead_letter_id, or all: quarantined | dead_letters")
        except NotReplayable as exc:
            raise ValueError(str(exc)) from None
        return {"replayed": [{"kind": r.kind, "ref": r.ref, "requested_by": r.requested_by} for r in done]}

    return hook
