"""Stage 1, decode: raw bytes and content type → document trees (one decoder per wire format)."""

from __future__ import annotations

from gateway.documents import DecodeError, DecodeResult, DecoderRegistry, UnsupportedContentType
from gateway.pipeline.failures import StageFailure
from gateway.store.base import InboundMessage, QuarantineReason


def decode(message: InboundMessage, decoders: DecoderRegistry) -> DecodeResult:
    """Decode ``message``; raises ``StageFailure`` with the decoder's position on failure."""
    try:
        result = decoders.decode(message.body, message.content_type)
    except DecodeError as exc:
        raise StageFailure(QuarantineReason("decode", exc.where, exc.what, exc.why)) from exc
    except UnsupportedContentType as exc:
        raise StageFailure(QuarantineReason("decode", "content type", str(exc),
                                            "no decoder is registered for it")) from exc
    if not result.documents:
        raise StageFailure(QuarantineReason("decode", "message", "no documents found",
                                            "a message must hold at least one document to map"))
    return result
