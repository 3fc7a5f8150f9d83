"""The decode contract: wire bytes in, plain document trees out.

Every adapter that reads a wire format (JSON, XML, X12 ...) implements ``Decoder``. The core
never imports an adapter; the composition root hands it a ``DecoderRegistry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, cast


@dataclass(frozen=True, slots=True)
class Document:
    """One unit a mapping translates: a JSON body, an XML document, one X12 transaction set.

    ``format`` names the wire format ("json", "xml", "x12"); ``kind`` narrows it for mapping
    selection (e.g. "x12/214/004010", "xml/DELVRY03"); ``locator`` says where in the raw message
    the document sits, for error messages ("interchange 000000905 / group 1 / set 0001").
    """

    tree: Any
    format: str
    kind: str
    locator: str = ""
    meta: dict[str, Any] = field(default_factory=dict)


class DecodeError(ValueError):
    """The raw bytes cannot be read as the declared format.

    ``where`` is a position a person can find (line/column, byte offset, segment), ``what`` the
    finding, ``why`` the rule it breaks.
    """

    def __init__(self, where: str, what: str, why: str = "") -> None:
        self.where, self.what, self.why = where, what, why
        super().__init__(f"{where}: {what}" + (f" ({why})" if why else ""))


@dataclass(frozen=True, slots=True)
class Reply:
    """A document the wire protocol owes the sender for this message (an X12 997, 999 or TA1)."""

    kind: str
    media_type: str
    body: bytes


NextNumber = Callable[[str, str], int]
"""``(partner key, kind) -> next control number``, from a sequence that survives restarts."""

ReplyBuilder = Callable[[NextNumber, frozenset[str], "str | None"], list[Reply]]
"""Builds the replies once numbers can be drawn; the second argument names the message's
``dedup_keys`` already seen in earlier messages (so a duplicate can be answered as one), the third
the kind of reply the partner asked for (X12: "997" or "999"; None for the protocol's default)."""


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """What a decoder read: the documents to map, what it tolerated, and what it refused.

    ``documents`` is read once, in order. A streaming decoder (X12) reads each document only when
    it is asked for the next one, so a large message is translated holding one document at a time;
    its ``warnings``, ``rejected`` and ``dedup_keys`` fill up as it reads and are complete once
    ``documents`` is exhausted, and a message that turns out unreadable raises ``DecodeError``
    from the iteration.

    ``rejected`` lists parts of the message refused on their own (an X12 transaction set that
    fails its guide) while the rest is translated; each names where, what and why. The pipeline
    records them with the message, so a partially refused message loses nothing.
    ``dedup_keys`` identify the message in its own protocol (X12: sender, receiver and interchange
    control number); a key seen before in another message marks a duplicate. ``replies`` builds
    what the protocol answers (X12 acknowledgements), numbered from the store's sequences.
    """

    documents: Iterable[Document]
    warnings: list[str] = field(default_factory=list)
    rejected: list[DecodeError] = field(default_factory=list)
    dedup_keys: list[str] = field(default_factory=list)
    replies: ReplyBuilder | None = None


class Decoder(Protocol):
    """Bytes of one format → document trees. Pure: no I/O, no shared state."""

    format: str

    def decode(self, body: bytes, content_type: str) -> DecodeResult: ...


@dataclass(frozen=True, slots=True)
class BodyPart:
    """A slice ``body[start:end]`` that its decoder reads on its own exactly as within the whole body.

    ``documents_before`` is how many documents precede the part if every one of them is accepted
    (an X12 body's transaction sets before it); ``resume`` is the decoder's own state at ``start``
    (X12: segments and bytes before it, so positions in findings are the whole body's).
    """

    start: int
    end: int
    documents_before: int
    resume: tuple[int, int]


class BodyUncuttable(Exception):
    """The body turns out not to be safe to read in parts: the parts found so far must be dropped."""


class SplittingDecoder(Decoder, Protocol):
    """A decoder whose large bodies can be read in parts, side by side (X12: runs of interchanges)."""

    def split(self, body: bytes, parts: int) -> Iterator[BodyPart]:
        """About ``parts`` parts covering ``body``, in order, each as soon as it is found.

        Raises ``BodyUncuttable`` when the body cannot be cut safely, possibly after some parts.
        """

    def decode_part(self, data: bytes, part: BodyPart) -> DecodeResult:
        """Decode ``data``, the bytes of ``part``."""


class UnsupportedContentType(LookupError):
    """No decoder is registered for a content type."""


class DecoderRegistry:
    """Chooses a decoder by media type, or by sniffing the body when the type is generic."""

    def __init__(self, decoders: dict[str, Decoder], sniffers: list[tuple[bytes, str]] | None = None) -> None:
        self._by_type = {k.lower(): v for k, v in decoders.items()}
        self._sniffers = sniffers or []

    @property
    def media_types(self) -> list[str]:
        return sorted(self._by_type)

    def for_content_type(self, content_type: str) -> Decoder:
        media = content_type.split(";", 1)[0].strip().lower()
        try:
            return self._by_type[media]
        except KeyError:
            raise UnsupportedContentType(
                f"no decoder for content type {media!r}; accepted: {', '.join(self.media_types)}") from None

    def sniff(self, body: bytes) -> str | None:
        """Guess a media type from the first bytes (used by `gateway translate FILE`)."""
        head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:16]
        for prefix, media in self._sniffers:
            if head.startswith(prefix):
                return media
        return None

    def decode(self, body: bytes, content_type: str) -> DecodeResult:
        return self.for_content_type(content_type).decode(body, content_type)

    def split(self, body: bytes, content_type: str, parts: int) -> Iterator[BodyPart] | None:
        """``body`` cut into parts its decoder can read on their own (see ``SplittingDecoder.split``);
        None when its decoder never cuts."""
        split = getattr(self.for_content_type(content_type), "split", None)
        return split(body, parts) if split is not None else None

    def decode_part(self, data: bytes, content_type: str, part: BodyPart) -> DecodeResult:
        """Decode one part that ``split`` made (``data`` is its bytes)."""
        return cast(SplittingDecoder, self.for_content_type(content_type)).decode_part(data, part)
