"""A stage's refusal of a message: carries the precise quarantine reason."""

from __future__ import annotations

from gateway.store.base import QuarantineReason


class StageFailure(Exception):
    """Raised by a stage; the processor quarantines the message with ``reason``."""

    def __init__(self, reason: QuarantineReason) -> None:
        self.reason = reason
        super().__init__(f"{reason.stage} at {reason.where}: {reason.what}")
