"""Stage 2, map: each document → canonical events, by the channel's mapping or the match rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from gateway.documents import Document
from gateway.mapping import (
    AmbiguousMapping,
    CompiledMapping,
    MappingContext,
    MappingError,
    NoMappingMatched,
    UnknownMapping,
)
from gateway.pipeline.failures import StageFailure
from gateway.store.base import InboundMessage, QuarantineReason


class MappingSelector(Protocol):
    """One consistent set of mappings (``gateway.mapping.registry.MappingSet``)."""

    def select(self, document: Document, name: str | None = None, partner: str | None = None) -> CompiledMapping: ...


class MappingSource(Protocol):
    """The mapping registry as the pipeline sees it (``gateway.mapping.MappingRegistry``)."""

    def current(self) -> MappingSelector: ...


@dataclass(frozen=True, slots=True)
class MappedEvent:
    """A canonical event with the mapping (``name@version``) that produced it."""

    event: dict[str, Any]
    mapping: str


def _where(document: Document, exc: MappingError) -> str:
    parts = [document.locator or exc.locator, f"mapping file {exc.position}" if exc.position else "",
             f"field {exc.field}" if exc.field else ""]
    return ", ".join(p for p in parts if p) or "document"


def map_document(message: InboundMessage, document: Document, index: int | str, mappings: MappingSelector,
                 mapping_name: str | None) -> list[MappedEvent]:
    """Map document ``index`` of ``message``; ``mapping_name`` None picks the mapping by its match rules.

    ``index`` goes into the ids of the events (with the mapping's name): a document the gateway
    derives from another (a rule's answer to a tender) is indexed below it, e.g. "3.0".
    """
    where = document.locator or f"document {index}"
    try:
        compiled = mappings.select(document, mapping_name, message.partner)
    except NoMappingMatched as exc:
        raise StageFailure(QuarantineReason("map", where, str(exc),
                                            f"no mapping matches a {document.kind} document")) from exc
    except AmbiguousMapping as exc:
        raise StageFailure(QuarantineReason("map", where, str(exc),
                                            "several mappings match; name one on the channel")) from exc
    except UnknownMapping as exc:
        raise StageFailure(QuarantineReason("map", where, str(exc),
                                            f"the channel names mapping {mapping_name!r}, which is not loaded")) from exc
    ctx = MappingContext(partner=message.partner, channel=message.channel, message_id=message.id,
                         received_at=message.received_at, traceparent=message.trace_context.get("traceparent"),
                         document_index=index)
    try:
        events = compiled.apply(document, ctx)
    except MappingError as exc:
        raise StageFailure(QuarantineReason("map", _where(document, exc), exc.reason,
                                            "the mapping cannot translate this document",
                                            exc.mapping or compiled.ref)) from exc
    ref = compiled.ref
    return [MappedEvent(e, ref) for e in events]
