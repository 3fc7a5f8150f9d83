"""Shared pieces of the delivery tests: constants and the running receiver handle."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from gateway.receiver import ReceiverState

SECRET = b"erp-shared-secret"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
EVENT_TYPE = "org.logistics.shipment.status.v1"


class Receiver:
    """The running receiver: its URL and live state."""

    def __init__(self, url: str, app: object) -> None:
        self.url = url
        self._app = app

    @property
    def state(self) -> ReceiverState:
        return self._app.state.receiver  # type: ignore[attr-defined]


AddEvents = Callable[[int], Awaitable[list[str]]]


