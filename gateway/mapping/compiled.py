"""A compiled mapping: document tree in, complete canonical CloudEvents out. Pure."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from typing import Any

from gateway.documents import Document
from gateway.mapping.codegen import Gen, function_of, value_of
from gateway.mapping.errors import MappingError, MappingLimitExceeded
from gateway.mapping.expressions import Evaluator
from gateway.yamlsrc import Position


def derived_event_id(key: str) -> str:
    """A UUID (version 5 layout, SHA-1 name-based) derived from ``key``.

    Event ids are derived, not random, so re-mapping the same message with the same mapping
    version after a crash yields the same ids and targets deduplicate on the idempotency key.
    Formatting the digest by hand is several times cheaper than ``uuid.uuid5``.
    """
    h = hashlib.sha1(key.encode()).hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


@dataclass(frozen=True, slots=True)
class MappingContext:
    """Where a document came from: fills the envelope and provenance of every event."""

    partner: str
    channel: str
    message_id: str
    received_at: str
    traceparent: str | None = None
    document_index: int | str = 0


@dataclass(frozen=True, slots=True)
class Limits:
    max_input_bytes: int = 5 * 1024 * 1024
    max_events: int = 10_000
    max_ms: float = 1_000.0


@dataclass(frozen=True, slots=True)
class MatchRule:
    """What documents a mapping claims: wire format, kind prefix, partner(s) and a condition."""

    format: str
    kind: str | None = None
    partners: tuple[str, ...] = ()
    when: Callable[[dict[str, Any]], bool] | None = None
    when_text: str | None = None

    def claims(self, format: str, kind: str) -> bool:
        """Whether documents of this format and kind may fit (``when`` not yet asked)."""
        return format == self.format and (self.kind is None or kind.startswith(self.kind))

    def holds(self, document: Document) -> bool:
        """Whether the ``when`` condition holds for this document (true without one)."""
        if self.when is None:
            return True
        try:
            return self.when({"doc": document.tree, "meta": document.meta})
        except Exception:  # noqa: BLE001 - a match rule that cannot evaluate on this shape does not fit
            return False


@dataclass(frozen=True, slots=True)
class CompiledEvent:
    """One ``events`` entry: which type it emits, how it iterates, and its data builder."""

    name: str
    type_name: str
    ce_type: str
    schema_id: str
    event_class: str
    loops: tuple[tuple[Evaluator, str], ...]
    when: Callable[[dict[str, Any]], bool] | None
    lets: tuple[tuple[str, Evaluator], ...]
    data: Evaluator
    position: Position | None
    _walker: list[Callable[[dict[str, Any]], Iterator[dict[str, Any] | None]]] = field(
        default_factory=list, compare=False, repr=False)

    def walk(self, bindings: dict[str, Any]) -> Iterator[dict[str, Any] | None]:
        """The data of each event, in order: the loops, ``when``, ``let`` and data as one generated function.

        Written on first use, like the data's own function: the loops' bindings are then only
        built where a call needs them, and the data reads the loop variables as locals.
        """
        if not self._walker:
            self._walker.append(function_of(self._emit_walk, f"event {self.name}", bindings=True))
        return self._walker[0](bindings)

    def _emit_walk(self, gen: Gen, b: str) -> str:
        gen.preamble = []
        self._emit_level(gen, b, 0)
        return "None"

    def _emit_level(self, gen: Gen, b: str, depth: int) -> None:
        if depth < len(self.loops):
            each, name = self.loops[depth]
            items = value_of(gen, each, b)
            with gen.block(f"if {items} is not None"):
                seq, index, item = gen.fresh("s"), gen.fresh("i"), gen.fresh("e")
                gen.line(f"{seq} = {items} if isinstance({items}, list) else [{items}]")
                with gen.block(f"for {index}, {item} in enumerate({seq})", nested=True), \
                        gen.extend(b, {name: item, "index": index}) as inner:
                    self._emit_level(gen, inner, depth + 1)
            return
        with gen.block(f"if {value_of(gen, self.when, b)}") if self.when is not None else nullcontext(), \
                ExitStack() as lets:
            for name, fn in self.lets:
                b = lets.enter_context(gen.extend(b, {name: value_of(gen, fn, b)}))
            gen.line(f"yield {value_of(gen, self.data, b)}")


@dataclass(frozen=True)
class CompiledMapping:
    """The runtime form of a mapping file. ``apply`` is pure and thread-safe."""

    name: str
    version: str
    source_format: str
    match: MatchRule
    limits: Limits
    lets: tuple[tuple[str, Evaluator], ...]
    events: tuple[CompiledEvent, ...]
    path: str
    description: str = ""
    digest: str = ""
    extends: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def apply(self, document: Document, ctx: MappingContext) -> list[dict[str, Any]]:
        """Map one document to canonical events (envelope + data), not yet schema-validated."""
        size = document.meta.get("size")
        if isinstance(size, int) and size > self.limits.max_input_bytes:
            raise MappingLimitExceeded(f"input is {size} bytes; this mapping accepts at most "
                                       f"{self.limits.max_input_bytes}", mapping=self.ref, locator=document.locator)
        started = time.perf_counter()
        deadline = started + self.limits.max_ms / 1000.0
        meta = dict(document.meta, partner=ctx.partner, channel=ctx.channel, kind=document.kind,
                    locator=document.locator, receivedAt=ctx.received_at, messageId=ctx.message_id)
        bindings: dict[str, Any] = {"doc": document.tree, "meta": meta}
        try:
            for name, fn in self.lets:
                bindings[name] = fn(bindings)
            out: list[dict[str, Any]] = []
            for event in self.events:
                for data in event.walk(bindings):
                    self._emit(event, data, ctx, out)
                    if len(out) > self.limits.max_events:
                        raise MappingLimitExceeded(f"mapping emitted over {self.limits.max_events} events",
                                                   mapping=self.ref, locator=document.locator)
                    if time.perf_counter() > deadline:
                        raise MappingLimitExceeded(f"mapping took over {self.limits.max_ms:g} ms", mapping=self.ref,
                                                   locator=document.locator)
        except MappingError as exc:
            if not exc.locator and document.locator:
                raise type(exc)(exc.reason, mapping=exc.mapping or self.ref, position=exc.position,
                                field=exc.field, locator=document.locator) from None
            raise
        return out

    def _emit(self, event: CompiledEvent, data: dict[str, Any] | None, ctx: MappingContext,
              out: list[dict[str, Any]]) -> None:
        data = data or {}
        data.setdefault("eventClass", event.event_class)
        data["receivedAt"] = ctx.received_at
        ref = self.ref
        provenance = {"partnerId": ctx.partner, "channel": ctx.channel, "mapping": ref,
                      "rawMessageId": ctx.message_id, "sourceFormat": self.source_format}
        extra = data.get("provenance")
        if extra:
            provenance.update(extra)
        data["provenance"] = provenance
        envelope: dict[str, Any] = {
            "specversion": "1.0",
            "id": derived_event_id(f"{ctx.message_id}/{ctx.document_index}/{ref}/{len(out)}"),
            "source": f"/partners/{ctx.partner}/{ctx.channel}",
            "type": event.ce_type,
            "time": _event_time(data, ctx.received_at),
            "datacontenttype": "application/json",
            "dataschema": event.schema_id,
            "partner": ctx.partner,
            "mapping": ref,
            "rawmessageid": ctx.message_id,
        }
        subject = data.get("subject")
        if isinstance(subject, dict) and subject.get("type") and subject.get("value"):
            envelope["subject"] = envelope["partitionkey"] = f"{subject['type']}:{subject['value']}"
        if ctx.traceparent:
            envelope["traceparent"] = ctx.traceparent
        envelope["data"] = data
        out.append(envelope)


_TIME_FIELDS = ("occurredAt", "issuedAt", "respondedAt", "deliveredAt", "observedAt", "createdAt", "invoiceDate",
                "shippedAt", "orderedAt")


def _event_time(data: dict[str, Any], received_at: str) -> str:
    """The CloudEvents ``time``: when it happened if the source says so to the instant, else when received."""
    for key in _TIME_FIELDS:
        value = data.get(key)
        if isinstance(value, dict):
            instant = value.get("instantUtc") or value.get("instant")
            if instant:
                return instant
    return received_at
