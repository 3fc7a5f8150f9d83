"""X12 EDI reader: streaming tokenizer, envelope checks, guide-driven document trees, validation,
acknowledgements (997/999/TA1) and a writer.

Public entry points::

    decode_x12(body) -> X12DecodeResult             # whole body
    X12Decoder(chunks).documents()                  # streaming, one set at a time
    build_acknowledgements(result, next_control_number, kind="997")
    parse_functional_ack(document)                  # inbound 997
    interchange_key(interchange)                    # duplicate detection
    X12Writer(delimiters).interchange(...)          # outbound
    set_to_segments(tree["set"], guide)             # outbound tree -> segments in guide order
"""

from adapters.x12.ack import build_acknowledgements, build_functional_ack, build_ta1, parse_functional_ack
from adapters.x12.compose import set_to_segments
from adapters.x12.decode import SetPosition, X12Decoder, X12DecodeResult, X12Document, decode_x12
from adapters.x12.dedup import interchange_key
from adapters.x12.errors import (
    DelimiterError,
    ElementError,
    GroupError,
    InterchangeError,
    SegmentError,
    TransactionSetError,
    X12Error,
    X12Warning,
)
from adapters.x12.tokenizer import Delimiters, Tokenizer
from adapters.x12.writer import GroupSpec, Party, X12Writer

__all__ = [
    "DelimiterError",
    "Delimiters",
    "ElementError",
    "GroupError",
    "GroupSpec",
    "InterchangeError",
    "Party",
    "SegmentError",
    "SetPosition",
    "Tokenizer",
    "TransactionSetError",
    "X12DecodeResult",
    "X12Decoder",
    "X12Document",
    "X12Error",
    "X12Warning",
    "X12Writer",
    "build_acknowledgements",
    "build_functional_ack",
    "build_ta1",
    "decode_x12",
    "interchange_key",
    "parse_functional_ack",
    "set_to_segments",
]
