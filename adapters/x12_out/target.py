"""A delivery target for partners who want EDI: each canonical event goes out as an X12
interchange (214 for shipment.status, 990 for tender.response), POSTed signed to the partner.

The interchange is built from the outbox entry alone, so every retry sends the same bytes with
the same control numbers (ISA13 and GS06 are the outbox entry's id): a partner that received an
earlier attempt recognises the repeat as a duplicate interchange instead of processing it twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson

from adapters.x12_out.settings import OutboundError, PartnerSettings
from adapters.x12_out.status214 import build_214
from adapters.x12_out.tender990 import build_990
from gateway.deliver.base import DeliveryResult, PermanentFailure
from gateway.deliver.webhook import WebhookTarget
from gateway.store.base import OutboxEntry

X12_MEDIA = "application/edi-x12"
_BUILDERS = {"shipment.status": build_214, "tender.response": build_990}
_MAX_CONTROL = 999_999_999  # ISA13 has nine digits


def _event_time(event: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(event.get("time", "")).replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)


class X12Target:
    """Turns canonical events into the partner's X12 and hands them to a webhook transport."""

    def __init__(self, settings: PartnerSettings, transport: WebhookTarget) -> None:
        self.id = transport.id
        self.concurrency = transport.concurrency
        self.settings = settings
        self._transport = transport

    def render(self, entry: OutboxEntry) -> bytes:
        """The interchange for ``entry`` (same bytes on every attempt); OutboundError if it has none."""
        event = orjson.loads(entry.body)
        short = str(event.get("type", "")).removeprefix("org.logistics-gateway.").rsplit(".v", 1)[0]
        build = _BUILDERS.get(short)
        if build is None:
            raise OutboundError(f"no X12 document for {event.get('type')!r}; this target sends "
                                f"{', '.join(sorted(_BUILDERS))}")
        control = entry.id % _MAX_CONTROL or _MAX_CONTROL

        def numbers(partner: str, kind: str) -> int:
            return 1 if kind == "set" else control

        return build([event["data"]], self.settings, numbers, _event_time(event))

    async def deliver(self, entry: OutboxEntry) -> DeliveryResult:
        try:
            body = self.render(entry)
        except (OutboundError, KeyError, TypeError) as exc:
            return PermanentFailure(f"cannot render X12: {exc}")
        return await self._transport.deliver(replace(entry, body=body, content_type=X12_MEDIA))

    async def aclose(self) -> None:
        await self._transport.aclose()
