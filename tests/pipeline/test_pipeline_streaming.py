"""A message's documents stream through the stages one at a time: a large interchange is never held whole."""

from __future__ import annotations

import ctypes
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pipeline_support import CHANNELS, FEDEX_WEBHOOK, TO_ERP, message, sample

from adapters.registry import default_decoders
from adapters.x12_doc import X12DocDecoder
from canonical.validate import CanonicalValidator
from gateway.documents import DecodeError, DecodeResult, DecoderRegistry, Document
from gateway.mapping import MappingRegistry
from gateway.pipeline.processor import MessageProcessor, PipelineParts
from gateway.route import Router

X12 = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "x12" / "214"
MIXED = X12 / "canadapost-214-multi-st.edi"   # 19 sets: 10 accepted, 9 refused by the guide


class _Tree(dict):  # type: ignore[type-arg]
    """A document tree that can be watched with a weak reference."""


class _WatchedDecoder:
    """Yields copies of one webhook as separate documents, recording which earlier trees are still alive."""

    format = "json"

    def __init__(self, copies: int) -> None:
        self.copies = copies
        self.alive_when_read: list[int] = []

    def decode(self, body: bytes, content_type: str) -> DecodeResult:
        return DecodeResult(self._documents())

    def _documents(self) -> Iterator[Document]:
        trees: list[weakref.ref[_Tree]] = []
        for _ in range(self.copies):
            self.alive_when_read.append(sum(1 for t in trees if t() is not None))
            tree = _Tree(sample(FEDEX_WEBHOOK))
            trees.append(weakref.ref(tree))
            yield Document(tree, "json", "json")


def _processor(decoder: object, registry: MappingRegistry, validator: CanonicalValidator,
               tracer: object = None) -> MessageProcessor:
    parts = PipelineParts(DecoderRegistry({"application/json": decoder}), registry, validator,  # type: ignore[dict-item]
                          Router((TO_ERP,)), CHANNELS)
    return MessageProcessor(parts, tracer=tracer)  # type: ignore[arg-type]


def test_each_document_is_translated_before_the_next_is_read(registry: MappingRegistry,
                                                             validator: CanonicalValidator) -> None:
    decoder = _WatchedDecoder(copies=6)
    outcome = _processor(decoder, registry, validator).process(message(b"{}"), "w")
    assert outcome.quarantine is None and len(outcome.events) == 6 * len(
        sample(FEDEX_WEBHOOK)["result"]["tracking_details"])
    # Reading document n, only document n-1 may still be referenced (by the loop's variable).
    assert decoder.alive_when_read == [0, 1, 1, 1, 1, 1]


def test_each_stage_is_one_span_over_its_interleaved_work_with_its_busy_time(
        registry: MappingRegistry, validator: CanonicalValidator) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    _processor(_WatchedDecoder(copies=3), registry, validator, provider.get_tracer("test")).process(message(b"{}"), "w")
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert list(spans) == ["decode", "map", "validate", "route"]
    # The decode call, one read per document, and the read that finds the end.
    assert spans["decode"].attributes["gateway.stage.runs"] == 5
    assert spans["map"].attributes["gateway.stage.runs"] == 3
    for span in spans.values():
        assert 0 < span.attributes["gateway.stage.busy_ms"] <= (span.end_time - span.start_time) / 1e6
    # Interleaved: mapping starts before decoding has ended.
    assert spans["map"].start_time < spans["decode"].end_time


def test_a_message_whose_documents_turn_out_unreadable_is_quarantined_at_decode(
        registry: MappingRegistry, validator: CanonicalValidator) -> None:
    class _Truncated(_WatchedDecoder):
        def _documents(self) -> Iterator[Document]:
            yield from super()._documents()
            raise DecodeError("byte 4096", "the input ends inside a segment", "a message must be complete")

    outcome = _processor(_Truncated(copies=2), registry, validator).process(message(b"{}"), "w")
    assert outcome.quarantine is not None
    assert (outcome.quarantine.stage, outcome.quarantine.where) == ("decode", "byte 4096")
    assert outcome.events == () and outcome.deliveries == ()


def test_sets_refused_after_a_mapping_failure_are_still_recorded() -> None:
    # No mapping is loaded, so the first accepted set fails at map; the sets after it are still read
    # so the record (and the 997) covers every refusal.
    empty = MappingRegistry([], None)
    empty.load()
    parts = PipelineParts(default_decoders(), empty, CanonicalValidator(), Router(()), CHANNELS)
    outcome = MessageProcessor(parts).process(message(MIXED.read_bytes(), content_type="application/edi-x12"), "w")
    assert outcome.quarantine is not None and outcome.quarantine.stage == "map"
    assert len(outcome.refused_parts) == 9


def test_the_x12_decoder_reads_sets_only_when_asked() -> None:
    result = X12DocDecoder().decode(MIXED.read_bytes())
    documents = iter(result.documents)
    first = next(documents)
    assert first.kind.startswith("x12/214/") and result.dedup_keys == []  # the rest is not read yet
    rest = list(documents)
    assert 1 + len(rest) == 10 and len(result.rejected) == 9 and len(result.dedup_keys) == 1


def test_x12_replies_cover_sets_not_yet_read() -> None:
    result = X12DocDecoder().decode(MIXED.read_bytes())
    assert result.replies is not None
    [ack] = result.replies(lambda partner, kind: 7, frozenset(), None)
    assert b"AK9*P*19*19*10" in ack.body and len(result.rejected) == 9


def test_bytes_with_no_interchange_raise_when_the_documents_are_read() -> None:
    result = X12DocDecoder().decode(b"this is not an interchange")
    with pytest.raises(DecodeError, match=r"no interchange found|not a readable X12 interchange"):
        list(result.documents)


def test_the_default_decoders_stream_x12() -> None:
    result = default_decoders().decode(MIXED.read_bytes(), "application/edi-x12")
    assert not isinstance(result.documents, list)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads glibc's allocation sizes")
def test_held_event_json_takes_no_more_memory_than_its_length(processor: MessageProcessor) -> None:
    # A message's events are held until its outcome commits; orjson's own output buffers are
    # rounded up to a power of two (8 KB for 2 KB of JSON), which a large interchange multiplies.
    usable = ctypes.CDLL(None).malloc_usable_size
    usable.restype = ctypes.c_size_t
    outcome = processor.process(message(FEDEX_WEBHOOK.read_bytes()), "w")
    for event in outcome.events:
        assert usable(ctypes.c_void_p(id(event.body))) < sys.getsizeof(event.body) + 64
