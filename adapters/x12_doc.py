"""X12 bodies as documents: one per transaction set, in the tree shape mappings address.

The gateway translates exactly the sets its 997 accepts. A set with findings of its own
(segment order, elements, SE count) is refused on its own, with every finding (where, what,
why), while the other sets go on; the 997 tells the partner which sets were rejected. A broken
interchange envelope, or a message with no acceptable set, refuses the whole message.
"""

from __future__ import annotations

from adapters.x12 import X12Document, decode_x12
from gateway.documents import DecodeError, DecodeResult, Document

MAX_LISTED = 20


def as_document(doc: X12Document) -> Document:
    """The core's view of one transaction set."""
    size = sum(len(element) + 1 for segment in doc.raw_segments for element in segment)  # elements + separators
    meta = {"size": size, "set_id": doc.set_id, "version": doc.version,
            "sender": doc.sender, "receiver": doc.receiver, "interchange": doc.position.interchange,
            "group": doc.position.group, "set_control": doc.position.set}
    return Document(tree=doc.tree, format="x12", kind=f"x12/{doc.set_id}/{doc.version}", locator=doc.locator, meta=meta)


class X12DocDecoder:
    """Decodes an X12 body into one document per transaction set, or refuses it precisely."""

    format = "x12"

    def decode(self, body: bytes, content_type: str = "application/edi-x12") -> DecodeResult:
        result = decode_x12(body)
        accepted = [d for d in result.documents if d.accepted]
        rejected = [_refusal(d.errors, f"set {d.position.set} ({d.set_id}) rejected") for d in result.documents
                    if not d.accepted]
        set_errors = {id(e) for d in result.documents for e in d.errors}
        others = [e for e in result.errors if id(e) not in set_errors]
        if not accepted:
            findings = others + [e for d in result.documents for e in d.errors]
            if not findings:
                raise DecodeError("start of input", "no transaction set found",
                                  "an X12 message needs ISA/GS/ST envelopes")
            raise _refusal(findings, "no transaction set can be accepted")
        warnings = [w.message for w in result.warnings] + [e.message for e in others]
        return DecodeResult([as_document(d) for d in accepted], warnings, rejected)


def _refusal(findings: list, summary: str) -> DecodeError:
    listed = "; ".join(e.message for e in findings[:MAX_LISTED])
    more = f" (and {len(findings) - MAX_LISTED} more)" if len(findings) > MAX_LISTED else ""
    return DecodeError(findings[0].where, f"{summary}: {len(findings)} X12 finding(s): {listed}{more}",
                       "the data does not conform to the partner's guide; the 997/TA1 says the same")
