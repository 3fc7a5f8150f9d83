"""The store contract: everything durable goes through it.

Two engines are intended: SQLite (embedded default, ``gateway.store.sqlite``) and Redis (scale
out, later). Both must pass the same contract tests in ``tests/store``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway.documents import NextNumber, Reply

# A message's replies, built when its outcome is stored: control numbers come from the store's
# sequences, and interchanges seen in other messages are answered as duplicates.
OutcomeReplies = Callable[[NextNumber, frozenset[str]], list[Reply]]


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


@dataclass(frozen=True, slots=True)
class QuarantineReason:
    """Why a message could not be turned into events: precise enough to fix the input or the mapping.

    ``stage`` is decode / map / validate / route; ``where`` a position a person can find (segment,
    line:column, JSON pointer); ``what`` the finding; ``why`` the rule it breaks; ``mapping`` the
    mapping as ``name@version`` when one was selected.
    """

    stage: str
    where: str
    what: str
    why: str = ""
    mapping: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One line of a message's audit trail (stage name plus a JSON-ready detail)."""

    message_id: str
    stage: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A canonical event as stored: its id, CloudEvents type and the serialized JSON body."""

    id: str
    type: str
    body: bytes
    content_type: str = "application/cloudevents+json"


@dataclass(frozen=True, slots=True)
class MessageOutcome:
    """Everything the pipeline concluded about one claimed message, recorded in one transaction.

    Either ``quarantine`` is set (no events), or ``events`` and ``deliveries`` (event id, target id)
    are. ``owner`` must still hold the message's lease, else the outcome is discarded: another
    worker took the message over and will record its own.

    ``dedup_keys`` identify the message in its protocol (X12 interchanges): when every key was
    already recorded by another message, the message is a duplicate and its events are not stored.
    ``replies`` (X12 997/999/TA1) are built in the same transaction, numbered from durable
    sequences, kept with the message and, with a ``reply_target``, queued for delivery there.

    ``refused_parts`` are parts refused on their own while the rest was translated (an X12 set
    failing its guide): each is quarantined as a part, and the message can be replayed for them.
    """

    message_id: str
    owner: str
    events: tuple[StoredEvent, ...] = ()
    deliveries: tuple[tuple[str, str], ...] = ()
    audit: tuple[AuditRecord, ...] = ()
    quarantine: QuarantineReason | None = None
    dedup_keys: tuple[str, ...] = ()
    replies: OutcomeReplies | None = None
    reply_target: str | None = None
    refused_parts: tuple[QuarantineReason, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One event due for delivery to one target, as claimed by a delivery worker."""

    id: int
    target: str
    event_id: str
    event_type: str
    message_id: str
    body: bytes
    attempts: int                 # attempts made before this one
    trace_context: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/cloudevents+json"


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """The answer to one delivery attempt.

    ``outcome``: "delivered"; "retry" (then ``next_attempt_at``, epoch seconds, is required);
    "dead" (permanent failure or attempts exhausted: the entry becomes a dead letter).
    """

    outbox_id: int
    owner: str
    outcome: str
    detail: str = ""
    status_code: int | None = None
    duration_ms: float = 0.0
    next_attempt_at: float | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    outbox_id: int
    target: str
    event_id: str
    message_id: str
    reason: str
    attempts: int
    created_at: str
    replayed_at: str | None = None
    replayed_by: str | None = None


@dataclass(frozen=True, slots=True)
class QuarantinedMessage:
    message_id: str
    partner: str
    channel: str
    reason: QuarantineReason
    created_at: str
    part: bool = False   # one part refused while the rest of the message was translated


@dataclass(frozen=True, slots=True)
class LoadTender:
    """A load.tender event as stored, with the answers recorded on it (``decide`` audit entries:
    a rule's or a planner's decision, and where the response went)."""

    message_id: str
    partner: str
    event: dict[str, Any]
    decisions: tuple[dict[str, Any], ...] = ()


class NotReplayable(LookupError):
    """A replay was asked for something that does not exist or is not in a replayable state."""


class Store(Protocol):
    """Durable state of the gateway. See ``gateway.store.sqlite`` for the embedded engine.

    Queues are named "inbox" (admitted messages awaiting the pipeline) and "outbox:<target>".
    Work is claimed with a lease (``owner`` + seconds); unfinished work whose lease ran out is
    claimed again, so a crashed worker loses nothing. Times are epoch seconds unless named *_at
    strings (RFC 3339).
    """

    async def admit(self, message: InboundMessage) -> Admission:
        """Store raw bytes durably (group-committed); return only once they are on disk."""
        ...

    def message_history(self, message_id: str) -> dict[str, Any] | None:
        """A JSON-ready account of one message: its stages, errors, events and deliveries.

        Keys: ``id``, ``partner``, ``channel``, ``content_type``, ``received_at``, ``status``,
        ``stages`` (list), ``errors`` (list), ``events`` (list of canonical events),
        ``deliveries`` (list), ``quarantine`` (or None). None when no such message exists.
        The SQLite engine adds ``idempotency_key``, ``sha256``, ``trace_context`` and ``replies``
        (protocol answers such as X12 997s); ``stages`` merges the audit trail with every delivery
        attempt, in time order; ``errors`` holds quarantine reasons (with replays), parts refused
        by the decoder, and failed delivery attempts.
        """
        ...

    async def claim_messages(self, owner: str, limit: int, lease_s: float) -> list[InboundMessage]:
        """Lease up to ``limit`` queued messages (oldest first), including expired leases."""
        ...

    async def record_outcomes(self, outcomes: Sequence[MessageOutcome]) -> list[str]:
        """Record each outcome atomically (events, outbox entries, audit, status); return the ids
        whose outcome was accepted (the owner still held the lease)."""
        ...

    async def claim_deliveries(self, target: str, owner: str, limit: int, lease_s: float) -> list[OutboxEntry]:
        """Lease up to ``limit`` outbox entries of ``target`` that are due now."""
        ...

    async def record_deliveries(self, records: Sequence[DeliveryRecord]) -> None:
        """Record delivery attempts: the attempt, its audit line, the entry's new state."""
        ...

    def next_due(self, target: str) -> float | None:
        """Epoch seconds at which the earliest pending entry of ``target`` becomes due, or None."""
        ...

    async def wait_for_work(self, queue: str, timeout: float) -> None:
        """Return when ``queue`` may have new work, or after ``timeout`` seconds."""
        ...

    async def replay_quarantined(self, message_id: str, requested_by: str) -> None:
        """Queue a quarantined message's raw bytes again; raises ``NotReplayable``."""
        ...

    async def replay_dead_letter(self, dead_letter_id: int, requested_by: str) -> None:
        """Queue a dead-lettered delivery again with a fresh attempt budget; raises ``NotReplayable``."""
        ...

    def dead_letters(self, target: str | None = None, include_replayed: bool = False,
                     limit: int = 100) -> list[DeadLetter]: ...

    def quarantined(self, partner: str | None = None, limit: int = 100) -> list[QuarantinedMessage]: ...

    def event(self, message_id: str, event_id: str) -> tuple[str, dict[str, Any]] | None:
        """One stored event of a message and that message's partner, or None."""
        ...

    def load_tenders(self, partner: str | None = None, limit: int = 100) -> list[LoadTender]:
        """The most recent load tenders, newest first, each with its recorded decisions."""
        ...

    async def seen(self, key: str) -> bool:
        """Record ``key`` (e.g. an X12 interchange control number); true if it was already recorded."""
        ...

    async def next_sequence(self, name: str) -> int:
        """The next value (1, 2, ...) of a durable named sequence; survives restarts."""
        ...

    async def audit(self, records: Sequence[AuditRecord]) -> None: ...

    def counts(self) -> dict[str, int]:
        """Queue depths: ``inbox``, ``processing``, ``quarantined``, ``outbox``, ``dead``, ``delivered``."""
        ...

    def outbox_entry(self, entry_id: int) -> dict[str, Any] | None:
        """One outbox entry's identity and state: ``id``, ``target``, ``message_id``, ``event_id``, ``status``."""
        ...

    def close(self) -> None: ...
