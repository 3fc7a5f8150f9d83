"""Shared pieces of the pipeline tests: real corpus samples, real mappings, messages."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ulid_transform import ulid_now

from gateway.config.model import Channel, Route, RouteMatch
from gateway.mapping import MappingRegistry
from gateway.mapping.environment import default_environment
from gateway.pipeline.processor import MessageProcessor
from gateway.store.base import InboundMessage

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "carrier"
FEDEX_WEBHOOK = CORPUS / "easypost-tracker-updated-webhook-fedex.json"
USPS_TRACKER = CORPUS / "easypost-tracker-retrieve-usps.json"
# A well-formed JSON document no mapping is written for (every corpus format has a mapping now).
UNMAPPABLE = b'{"memo": "lunch order for the depot", "items": [{"sku": "sandwich", "qty": 12}]}'
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
STATUS_TYPE = "org.logistics-gateway.shipment.status.v1"
CHANNELS = {"acme-carrier": Channel("acme-carrier", "acme", ("application/json",), "auto"),
            "acme-easypost": Channel("acme-easypost", "acme", ("application/json",), "easypost-tracker")}
MakeProcessor = Callable[..., MessageProcessor]
TO_ERP = Route("status-to-erp", RouteMatch(types=(STATUS_TYPE,)), ("erp",))


def sample(path: Path = FEDEX_WEBHOOK) -> dict[str, Any]:
    return json.loads(path.read_bytes())


def changed(path: Path, edit: str, value: Any) -> bytes:
    """The sample at ``path`` with the value at dotted ``edit`` path replaced (None deletes it)."""
    doc = copy.deepcopy(sample(path))
    *parents, last = edit.split(".")
    node = doc
    for step in parents:
        node = node[int(step)] if step.isdigit() else node[step]
    if value is None:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return json.dumps(doc).encode()


def message(body: bytes, content_type: str = "application/json", channel: str = "acme-carrier",
            partner: str = "acme") -> InboundMessage:
    return InboundMessage(id=ulid_now(), partner=partner, channel=channel, content_type=content_type, body=body,
                          received_at="2026-11-28T01:00:00.000Z", trace_context={"traceparent": TRACEPARENT})


def make_registry(directory: Path = MAPPINGS) -> MappingRegistry:
    registry = MappingRegistry([directory], default_environment())
    registry.load()
    return registry
