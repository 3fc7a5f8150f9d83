"""JSON bodies: the document tree is the parsed JSON, as is."""

from __future__ import annotations

import orjson

from gateway.documents import DecodeError, DecodeResult, Document


def _line_col(body: bytes, offset: int) -> tuple[int, int]:
    prefix = body[:offset]
    line = prefix.count(b"\n") + 1
    return line, offset - (prefix.rfind(b"\n") + 1) + 1


class JsonDecoder:
    """Decodes one JSON document; a syntax error names line and column."""

    format = "json"

    def decode(self, body: bytes, content_type: str = "application/json") -> DecodeResult:
        try:
            tree = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            line, col = _line_col(body, exc.pos)
            raise DecodeError(f"line {line}, column {col}", f"malformed JSON: {exc.msg}",
                              "the body must be one JSON document (RFC 8259)") from None
        if not isinstance(tree, (dict, list)):
            raise DecodeError("line 1, column 1", f"JSON body is a bare {type(tree).__name__}",
                              "a message must be a JSON object or array")
        return DecodeResult([Document(tree=tree, format="json", kind="json", meta={"size": len(body)})])
