"""X12 bodies as documents: one per transaction set, in the tree shape mappings address.

The gateway translates exactly the sets its 997 accepts. A set with findings of its own
(segment order, elements, SE count) is refused on its own, with every finding (where, what,
why), while the other sets go on; the 997 tells the partner which sets were rejected. When no
set can be accepted the result has no documents and says why in ``rejected``; its replies (the
negative 997 or TA1) are still built. Only bytes with no readable interchange raise, when the
documents are read.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial

from adapters.x12 import InterchangeError, X12Decoder, X12DecodeResult, X12Document, build_acknowledgements
from adapters.x12.dedup import interchange_key
from adapters.x12.split import interchange_runs
from adapters.x12.tokenizer import CHUNK_SIZE
from adapters.x12.validate import PartnerGuides
from gateway.documents import BodyPart, DecodeError, DecodeResult, Document, NextNumber, Reply

MAX_LISTED = 20


def as_document(doc: X12Document) -> Document:
    """The core's view of one transaction set."""
    meta = {"size": doc.size, "set_id": doc.set_id, "version": doc.version,
            "sender": doc.sender, "receiver": doc.receiver, "interchange": doc.position.interchange,
            "group": doc.position.group, "set_control": doc.position.set}
    return Document(tree=doc.tree, format="x12", kind=f"x12/{doc.set_id}/{doc.version}", locator=doc.locator, meta=meta)


DUPLICATE_INTERCHANGE = "025"  # TA1 note code: duplicate interchange control number
X12_MEDIA = "application/edi-x12"


def build_replies(result: X12DecodeResult, default_kind: str, next_number: NextNumber,
                  duplicates: frozenset[str], kind: str | None = None) -> list[Reply]:
    """997/999 per readable interchange and TA1 where the envelope is broken, asked for, or a repeat."""
    for ich in result.interchanges:
        if interchange_key(ich) in duplicates:
            ich.errors.append(InterchangeError("this interchange control number was already received from the sender",
                                               code=DUPLICATE_INTERCHANGE, interchange=ich.control_number))
    texts = build_acknowledgements(result, next_number, kind=kind or default_kind)
    return [Reply(_kind_of(text), X12_MEDIA, text.encode()) for text in texts]


def _kind_of(text: str) -> str:
    separator = text[3]  # the element separator follows "ISA"
    for kind in ("997", "999"):
        if f"ST{separator}{kind}{separator}" in text:
            return kind
    return "TA1"


class X12DocDecoder:
    """Decodes an X12 body into one document per transaction set, or refuses it precisely.

    ``ack_kind`` is what the partner's guide wants back per functional group: "997" or "999".
    The sets are read as the documents are iterated (see ``X12SetStream``), so translating a
    large interchange holds one set's tree at a time, never the whole file's.
    """

    format = "x12"

    def __init__(self, ack_kind: str = "997", guides: PartnerGuides | None = None) -> None:
        """``guides``: one partner's guides with its overrides (default: the project's guides)."""
        self.ack_kind = ack_kind
        self.guides = guides

    def decode(self, body: bytes, content_type: str = "application/edi-x12") -> DecodeResult:
        return self._result(X12SetStream(body, self.guides))

    def split(self, body: bytes, parts: int) -> Iterator[BodyPart]:
        """Runs of whole interchanges that read on their own (see ``adapters.x12.split``)."""
        return interchange_runs(body, parts)

    def decode_part(self, data: bytes, part: BodyPart) -> DecodeResult:
        return self._result(X12SetStream(data, self.guides, part.resume))

    def _result(self, stream: X12SetStream) -> DecodeResult:
        return DecodeResult(stream, stream.warnings, stream.rejected, stream.dedup_keys,
                            partial(stream.replies, self.ack_kind))


class X12SetStream:
    """The accepted sets of one X12 body as documents, read one at a time as they are iterated.

    Iterate it once. Sets refused by their guide go to ``rejected`` as they are met; ``warnings``,
    ``dedup_keys`` and the findings of the envelope are complete once iteration has ended, and
    iteration ends with a ``DecodeError`` when the bytes hold no readable interchange. Building
    the replies reads whatever has not been read yet, since an acknowledgement covers every set.
    """

    def __init__(self, body: bytes, guides: PartnerGuides | None = None, resume: tuple[int, int] = (0, 0)) -> None:
        """``resume``: the segments and bytes before ``body`` when it is a part of a larger one."""
        chunks = (body[i:i + CHUNK_SIZE] for i in range(0, len(body), CHUNK_SIZE))
        self._decoder = X12Decoder(chunks, guides=guides, resume=resume)
        self._sets = self._decoder.documents()
        self._accepted = 0
        self._set_errors: set[int] = set()
        self._done = False
        self.warnings: list[str] = []
        self.rejected: list[DecodeError] = []
        self.dedup_keys: list[str] = []

    def __iter__(self) -> Iterator[Document]:
        for doc in self._sets:
            if doc.accepted:
                self._accepted += 1
                yield as_document(doc)
            else:
                self._refuse(doc)
        self._finish()

    def replies(self, default_kind: str, next_number: NextNumber, duplicates: frozenset[str],
                kind: str | None = None) -> list[Reply]:
        """997/999 and TA1s for the whole body (see ``build_replies``)."""
        for doc in self._sets:
            if doc.accepted:
                self._accepted += 1
            else:
                self._refuse(doc)
        if not self._done:
            with contextlib.suppress(DecodeError):  # an unreadable body still gets its TA1s, if any
                self._finish()
        result = X12DecodeResult([], self._decoder.interchanges, self._decoder.warnings, self._decoder.errors)
        return build_replies(result, default_kind, next_number, duplicates, kind)

    def _refuse(self, doc: X12Document) -> None:
        self._set_errors.update(id(e) for e in doc.errors)
        self.rejected.append(_refusal(doc.errors, f"{doc.set_id} rejected", doc.locator))

    def _finish(self) -> None:
        if self._done:
            return
        self._done = True
        decoder = self._decoder
        others = [e for e in decoder.errors if id(e) not in self._set_errors]
        self.dedup_keys.extend(interchange_key(ich) for ich in decoder.interchanges)
        self.warnings.extend([w.message for w in decoder.warnings] + [e.message for e in others])
        if not decoder.interchanges:
            findings = others or decoder.errors
            if not findings:
                raise DecodeError("start of input", "no interchange found", "an X12 message starts with an ISA segment")
            raise _refusal(findings, "not a readable X12 interchange")
        if not self._accepted and not self.rejected:
            # The envelope itself is broken: nothing to translate, but the TA1 still goes back.
            self.rejected.append(_refusal(others or decoder.errors, "no transaction set can be accepted"))


def _refusal(findings: list, summary: str, where: str | None = None) -> DecodeError:
    listed = "; ".join(e.message for e in findings[:MAX_LISTED])
    more = f" (and {len(findings) - MAX_LISTED} more)" if len(findings) > MAX_LISTED else ""
    return DecodeError(where or findings[0].where, f"{summary}: {len(findings)} X12 finding(s): {listed}{more}",
                       "the data does not conform to the partner's guide; the 997/TA1 says the same")
