"""Stage 3, validate: every event must conform to the canonical model (JSON Schema)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from canonical.validate import CanonicalValidationError
from gateway.pipeline.failures import StageFailure
from gateway.pipeline.transform import MappedEvent
from gateway.store.base import QuarantineReason


class EventValidator(Protocol):
    def validate_event(self, event: dict[str, Any]) -> None: ...


def validate(events: Sequence[MappedEvent], validator: EventValidator, first: int = 0) -> None:
    """Raise ``StageFailure`` naming the first invalid event and all of its issues.

    ``first`` is the message-wide index of ``events[0]``, for the error's position.
    """
    for index, mapped in enumerate(events, first):
        try:
            validator.validate_event(mapped.event)
        except CanonicalValidationError as exc:
            issue = exc.errors[0] if exc.errors else None
            where = f"event {index} ({mapped.event.get('id', '?')}) {issue.path if issue else ''}".rstrip()
            what = "; ".join(str(e) for e in exc.errors)
            why = f"not a valid {exc.event_type or 'canonical'} event"
            raise StageFailure(QuarantineReason("validate", where, what, why, mapped.mapping)) from exc
