"""XML bodies (SAP IDocs and other ERP documents) as plain dict trees, parsed safely.

defusedxml refuses entity expansion and external entities, so a hostile payload cannot blow up
memory or read local files. The tree shape: ``{root_tag: node}``; a node with neither attributes
nor children is its text; otherwise a dict with ``@attr`` keys, child tags (a list when the tag
repeats) and ``#text`` for mixed content. Namespaces are reduced to local names; mappings that
need a repeated-or-single child can write ``to_array(path)``.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError

# defusedxml has no inline types and its stubs are not installed.
from defusedxml import DefusedXmlException  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

from gateway.documents import DecodeError, DecodeResult, Document


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


def _node(element: Element) -> Any:
    children = list(element)
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    out: dict[str, Any] = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    groups: dict[str, list[Any]] = {}
    for child in children:
        groups.setdefault(_local(child.tag), []).append(_node(child))
    out.update({key: values[0] if len(values) == 1 else values for key, values in groups.items()})
    if text:
        out["#text"] = text
    return out


class XmlDecoder:
    """Decodes one XML document safely into a dict tree; errors name line and column."""

    format = "xml"

    def decode(self, body: bytes, content_type: str = "application/xml") -> DecodeResult:
        try:
            root = fromstring(body, forbid_dtd=True)
        except ParseError as exc:
            line, col = exc.position
            raise DecodeError(f"line {line}, column {col + 1}", f"malformed XML: {exc}",
                              "the body must be one well-formed XML document") from None
        except DefusedXmlException as exc:
            raise DecodeError("prolog", f"refused XML construct: {type(exc).__name__}",
                              "DTDs, entity declarations and external references are not accepted") from None
        tag = _local(root.tag)
        return DecodeResult([Document(tree={tag: _node(root)}, format="xml", kind=f"xml/{tag}",
                                      meta={"size": len(body), "root": tag})])
