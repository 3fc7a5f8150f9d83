"""The store contract: everything durable goes through it.

Two engines are intended: SQLite (embedded default, ``gateway.store.sqlite``) and Redis (scale
out, later). Both must pass the same contract tests in ``tests/store``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A partner's raw message as admitted, before any processing."""

    id: str                       # ULID assigned at admit
    partner: str
    channel: str
    content_type: str
    body: bytes
    received_at: str              # RFC 3339, UTC
    idempotency_key: str | None = None
    trace_context: dict[str, str] = field(default_factory=dict)  # W3C traceparent / tracestate


@dataclass(frozen=True, slots=True)
class Admission:
    """The answer to ``admit``: the id under which the message is durably stored.

    ``duplicate`` is true when the same partner already sent this idempotency key (or, without
    one, identical bytes): ``message_id`` is then the original message's id and nothing new is stored.
    """

    message_id: str
    duplicate: bool = False


class StoreClosed(RuntimeError):
    """The store was closed while a call was waiting."""


class Store(Protocol):
    """Durable state of the gateway. See ``gateway.store.sqlite`` for the embedded engine."""

    async def admit(self, message: InboundMessage) -> Admission:
        """Store raw bytes durably (group-committed); return only once they are on disk."""
        ...

    def message_history(self, message_id: str) -> dict[str, Any] | None:
        """A JSON-ready account of one message: its stages, errors, events and deliveries.

        Keys: ``id``, ``partner``, ``channel``, ``content_type``, ``received_at``, ``status``,
        ``stages`` (list), ``errors`` (list), ``events`` (list of canonical events),
        ``deliveries`` (list), ``quarantine`` (or None). None when no such message exists.
        """
        ...

    def close(self) -> None: ...
