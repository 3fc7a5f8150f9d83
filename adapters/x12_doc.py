"""X12 bodies as documents: one per transaction set, in the tree shape mappings address.

The gateway translates exactly the sets its 997 accepts. A set with findings of its own
(segment order, elements, SE count) is refused on its own, with every finding (where, what,
why), while the other sets go on; the 997 tells the partner which sets were rejected. When no
set can be accepted the result has no documents and says why in ``rejected``; its replies (the
negative 997 or TA1) are still built. Only bytes with no readable interchange raise.
"""

from __future__ import annotations

from functools import partial

from adapters.x12 import InterchangeError, X12DecodeResult, X12Document, build_acknowledgements, decode_x12
from adapters.x12.dedup import interchange_key
from gateway.documents import DecodeError, DecodeResult, Document, NextNumber, Reply

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
    """

    format = "x12"

    def __init__(self, ack_kind: str = "997") -> None:
        self.ack_kind = ack_kind

    def decode(self, body: bytes, content_type: str = "application/edi-x12") -> DecodeResult:
        result = decode_x12(body)
        keys = [interchange_key(ich) for ich in result.interchanges]
        replies = partial(build_replies, result, self.ack_kind)
        accepted = [d for d in result.documents if d.accepted]
        rejected = [_refusal(d.errors, f"{d.set_id} rejected", d.locator) for d in result.documents if not d.accepted]
        set_errors = {id(e) for d in result.documents for e in d.errors}
        others = [e for e in result.errors if id(e) not in set_errors]
        if not result.interchanges:
            findings = others or result.errors
            if not findings:
                raise DecodeError("start of input", "no interchange found", "an X12 message starts with an ISA segment")
            raise _refusal(findings, "not a readable X12 interchange")
        if not accepted and not rejected:
            # The envelope itself is broken: nothing to translate, but the TA1 still goes back.
            rejected = [_refusal(others or result.errors, "no transaction set can be accepted")]
        warnings = [w.message for w in result.warnings] + [e.message for e in others]
        return DecodeResult([as_document(d) for d in accepted], warnings, rejected, keys, replies)


def _refusal(findings: list, summary: str, where: str | None = None) -> DecodeError:
    listed = "; ".join(e.message for e in findings[:MAX_LISTED])
    more = f" (and {len(findings) - MAX_LISTED} more)" if len(findings) > MAX_LISTED else ""
    return DecodeError(where or findings[0].where, f"{summary}: {len(findings)} X12 finding(s): {listed}{more}",
                       "the data does not conform to the partner's guide; the 997/TA1 says the same")
