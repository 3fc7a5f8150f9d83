"""The target contract: deliver one event, answer delivered / retry later / permanent failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gateway.store.base import OutboxEntry


@dataclass(frozen=True, slots=True)
class Delivered:
    """The target acknowledged the event."""

    status_code: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RetryLater:
    """A transient failure; ``retry_after_s`` is the target's own wish (Retry-After), if it said one."""

    detail: str
    status_code: int | None = None
    retry_after_s: float | None = None


@dataclass(frozen=True, slots=True)
class PermanentFailure:
    """The target refused the event for good (e.g. HTTP 400/401/404/410): retrying cannot help."""

    detail: str
    status_code: int | None = None


DeliveryResult = Delivered | RetryLater | PermanentFailure


class Target(Protocol):
    """One destination of canonical events (webhook, MQTT topic, X12 partner ...)."""

    id: str
    concurrency: int

    async def deliver(self, entry: OutboxEntry) -> DeliveryResult:
        """Deliver one event; never raises for the target's own failures, answers with a result."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...
