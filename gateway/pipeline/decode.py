"""Stage 1, decode: raw bytes and content type → document trees (one decoder per wire format)."""

from __future__ import annotations

from collections.abc import Iterator

from gateway.documents import DecodeError, DecodeResult, DecoderRegistry, Document, UnsupportedContentType
from gateway.pipeline.failures import StageFailure
from gateway.store.base import InboundMessage, QuarantineReason


def decode_or_refused(message: InboundMessage, decoders: DecoderRegistry) -> DecodeResult:
    """Decode ``message``; raises ``StageFailure`` with the decoder's position when it cannot.

    A result may hold no documents (every part refused): the caller still needs it, since the
    protocol's answer to the sender (an X12 997 with the rejections) is built from it; then it
    quarantines with ``nothing_to_map``. Parts refused on their own (``result.rejected``, e.g. an
    X12 set failing its guide) never stop the rest from being mapped.
    """
    try:
        result = decoders.decode(message.body, message.content_type)
    except DecodeError as exc:
        raise StageFailure(QuarantineReason("decode", exc.where, exc.what, exc.why)) from exc
    except UnsupportedContentType as exc:
        raise StageFailure(QuarantineReason("decode", "content type", str(exc),
                                            "no decoder is registered for it")) from exc
    return result


def next_document(documents: Iterator[Document]) -> Document | None:
    """The next document of a decode result, None after the last; a streaming decoder may still
    find the message unreadable while reading it, which quarantines it like any decode error."""
    try:
        return next(documents, None)
    except DecodeError as exc:
        raise StageFailure(QuarantineReason("decode", exc.where, exc.what, exc.why)) from exc


def drain(result: DecodeResult) -> None:
    """Read the rest of ``result``'s documents, unmapped, so its refusals and warnings are complete."""
    try:
        for _ in result.documents:
            pass
    except DecodeError:
        pass  # already reported: the stream ended the same way when it was first read


def nothing_to_map(result: DecodeResult) -> QuarantineReason:
    """Why a decoded message without documents is quarantined: its first refused part, if any."""
    if not result.rejected:
        return QuarantineReason("decode", "message", "no documents found",
                                "a message must hold at least one document to map")
    first, more = result.rejected[0], len(result.rejected) - 1
    return QuarantineReason("decode", first.where, first.what + (
        f" (and {more} more refused part{'s' if more > 1 else ''})" if more else ""), first.why)
