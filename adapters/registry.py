"""The decoders the gateway ships, by media type. Composition roots (runtime, CLI) use this;
the core only sees ``gateway.documents.DecoderRegistry``."""

from __future__ import annotations

from adapters.json_doc import JsonDecoder
from adapters.x12.guide import default_registry
from adapters.x12_doc import X12DocDecoder
from adapters.xml_doc import XmlDecoder
from gateway.documents import Decoder, DecoderRegistry

JSON_TYPES = ("application/json", "text/json", "application/cloudevents+json")
XML_TYPES = ("application/xml", "text/xml")
X12_TYPES = ("application/edi-x12", "application/edi", "application/x12", "text/x12", "text/plain")  # many EDI senders say text/plain

EXTENSION_TYPES = {".json": "application/json", ".xml": "application/xml", ".edi": "application/edi-x12",
                   ".x12": "application/edi-x12", ".txt": None}


def default_decoders() -> DecoderRegistry:
    """JSON, XML and X12 decoders keyed by every media type they accept."""
    decoders: dict[str, Decoder] = {}
    for media in JSON_TYPES:
        decoders[media] = JsonDecoder()
    for media in XML_TYPES:
        decoders[media] = XmlDecoder()
    for media in X12_TYPES:
        decoders[media] = X12DocDecoder()
    sniffers = [(b"{", "application/json"), (b"[", "application/json"), (b"<", "application/xml"),
                (b"ISA", "application/edi-x12")]
    return DecoderRegistry(decoders, sniffers)


def warm_up() -> None:
    """Read now what the decoders would otherwise read for their first message: the X12 guides.

    A server calls this before it admits anything, so that no partner's first interchange waits
    half a second for the guides; a one-file command does not, and reads only the guide it needs.
    """
    default_registry().load_all()
