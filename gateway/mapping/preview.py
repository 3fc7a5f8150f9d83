"""Preview a mapping on a sample without storing anything: the engine behind
``POST /v1/mappings/preview``. Answers the canonical events, or every error with its position."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from canonical.validate import CanonicalValidationError, CanonicalValidator
from gateway.documents import DecodeError, DecoderRegistry, UnsupportedContentType
from gateway.mapping.compiled import CompiledMapping, MappingContext
from gateway.mapping.errors import MappingError, MappingLoadError
from gateway.mapping.loader import compile_mapping, parse_mapping_text
from gateway.mapping.registry import MappingRegistry
from gateway.mapping.timevalues import utc_now_text

PREVIEW_MESSAGE_ID = "preview"
REQUEST_KEYS = {"mapping", "mapping_yaml", "payload", "payload_text", "content_type", "partner", "channel"}


def _problem(stage: str, message: str, position: Any = None, field: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"stage": stage, "message": message}
    if position is not None:
        out["position"] = str(position)
    if field:
        out["field"] = field
    return out


class MappingPreview:
    """Callable hook: ``{mapping | mapping_yaml, payload | payload_text, content_type?, partner?}`` →
    ``{ok, mapping, events}`` or ``{ok: false, errors: [{stage, position, field, message}]}``."""

    def __init__(self, registry: MappingRegistry, decoders: DecoderRegistry, validator: CanonicalValidator) -> None:
        self.registry, self.decoders, self.validator = registry, decoders, validator

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        unknown = set(request) - REQUEST_KEYS
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(REQUEST_KEYS))}")
        if ("payload" in request) == ("payload_text" in request):
            raise ValueError("send the sample as payload (JSON) or payload_text (XML, X12, any text), exactly one")
        if "payload" in request:
            body, media = orjson.dumps(request["payload"]), request.get("content_type", "application/json")
        else:
            body = str(request["payload_text"]).encode()
            media = request.get("content_type") or self.decoders.sniff(body) or ""
        try:
            mapping = self._mapping(request)
        except MappingLoadError as exc:
            return {"ok": False, "errors": [_problem("load", msg, pos) for pos, msg in exc.problems]}
        return self.run(body, media, mapping, str(request.get("partner", "preview")),
                        str(request.get("channel", "preview")))

    def run(self, body: bytes, media: str, mapping: CompiledMapping | None, partner: str, channel: str) -> dict[str, Any]:
        """Decode, map and validate ``body``; collect every error by stage, position and field."""
        try:
            # A preview sample is small: read it whole, so an unreadable one fails here, at decode.
            documents = list(self.decoders.decode(body, media).documents)
        except (DecodeError, UnsupportedContentType) as exc:
            return {"ok": False, "events": [], "errors": [_problem("decode", str(exc))]}
        events: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, document in enumerate(documents):
            ctx = MappingContext(partner=partner, channel=channel, message_id=PREVIEW_MESSAGE_ID,
                                 received_at=utc_now_text(), document_index=index)
            try:
                chosen = mapping or self.registry.select(document, None, partner)
                produced = chosen.apply(document, ctx)
            except MappingError as exc:
                errors.append(_problem("map", exc.reason, exc.position, exc.field))
                continue
            except LookupError as exc:
                errors.append(_problem("map", str(exc)))
                continue
            for event in produced:
                try:
                    self.validator.validate_event(event)
                except CanonicalValidationError as exc:
                    errors += [_problem("validate", f"{issue.what}: {issue.why}", field=issue.path) for issue in exc.errors]
                events.append(event)
        refs = sorted({e["mapping"] for e in events})
        return {"ok": not errors, "mapping": refs[0] if len(refs) == 1 else refs, "events": events, "errors": errors}

    def _mapping(self, request: dict[str, Any]) -> CompiledMapping | None:
        if "mapping_yaml" in request:
            source = parse_mapping_text(str(request["mapping_yaml"]), Path("<inline>"))
            return compile_mapping(source, self.registry.env, self.registry.source)
        name = request.get("mapping")
        return self.registry.get(name) if name else None
