"""The decoders the gateway ships, by media type. Composition roots (runtime, CLI) use this;
the core only sees ``gateway.documents.DecoderRegistry``."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.json_doc import JsonDecoder
from adapters.x12.errors import GuideError
from adapters.x12.guide import default_registry
from adapters.x12.validate import PartnerGuides, load_overrides
from adapters.x12_doc import X12DocDecoder
from adapters.xml_doc import XmlDecoder
from gateway.config import ConfigError
from gateway.config.model import Partner
from gateway.documents import Decoder, DecoderRegistry

JSON_TYPES = ("application/json", "text/json", "application/cloudevents+json")
XML_TYPES = ("application/xml", "text/xml")
X12_TYPES = ("application/edi-x12", "application/edi", "application/x12", "text/x12", "text/plain")  # many EDI senders say text/plain

EXTENSION_TYPES = {".json": "application/json", ".xml": "application/xml", ".edi": "application/edi-x12",
                   ".x12": "application/edi-x12", ".txt": None}


def default_decoders(x12_guides: PartnerGuides | None = None) -> DecoderRegistry:
    """JSON, XML and X12 decoders keyed by every media type they accept.

    ``x12_guides``: one partner's X12 guides with its overrides (default: the project's guides).
    """
    decoders: dict[str, Decoder] = {}
    for media in JSON_TYPES:
        decoders[media] = JsonDecoder()
    for media in XML_TYPES:
        decoders[media] = XmlDecoder()
    for media in X12_TYPES:
        decoders[media] = X12DocDecoder(guides=x12_guides)
    sniffers = [(b"{", "application/json"), (b"[", "application/json"), (b"<", "application/xml"),
                (b"ISA", "application/edi-x12")]
    return DecoderRegistry(decoders, sniffers)


def warm_up() -> None:
    """Read now what the decoders would otherwise read for their first message: the X12 guides.

    A server calls this before it admits anything, so that no partner's first interchange waits
    half a second for the guides; a one-file command does not, and reads only the guide it needs.
    """
    default_registry().load_all()


def partner_decoders(partners: Mapping[str, Partner]) -> dict[str, DecoderRegistry]:
    """Decoders for each partner whose X12 guides it overrides (``x12.guide_overrides``).

    Every override is applied here, at start-up, so a wrong one stops the gateway with the
    file and the problem instead of refusing the partner's first interchange. Raises
    ``ConfigError`` naming each partner's configuration line.
    """
    found: dict[str, DecoderRegistry] = {}
    problems = []
    for pid, partner in partners.items():
        path = partner.x12.guide_overrides
        if path is None:
            continue
        try:
            guides = PartnerGuides(default_registry(), load_overrides(path))
            guides.check()
        except GuideError as exc:
            problems.append((partner.x12.position, f"partners.{pid}.x12.guide_overrides: {exc.why}"))
            continue
        found[pid] = default_decoders(guides)
    if problems:
        raise ConfigError(problems)
    return found
