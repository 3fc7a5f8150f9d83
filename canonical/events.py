"""Registry of canonical event types.

Mappings and routes name an event type by its short name (``shipment.status``);
on the wire the CloudEvents ``type`` is ``org.logistics-gateway.<name>.v1``.
The registry is static data so that importing it costs nothing and it can be
read without loading any schema file; a test checks it against the schemas.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

CE_TYPE_PREFIX = "org.logistics-gateway."
SCHEMA_BASE_ID = "https://schemas.logistics-gateway.org/canonical/v1/"
VERSION = "v1"


@dataclass(frozen=True, slots=True)
class EventType:
    """One canonical event type."""

    name: str
    """Short name used by mappings and routes, e.g. ``shipment.status``."""
    event_class: str
    """Default ``data.eventClass`` for events of this type."""
    event_classes: tuple[str, ...]
    """Every ``eventClass`` value the schema allows for this type."""
    description: str

    @property
    def ce_type(self) -> str:
        """CloudEvents ``type`` attribute."""
        return f"{CE_TYPE_PREFIX}{self.name}.{VERSION}"

    @property
    def schema_file(self) -> str:
        """File name of the data schema in ``canonical/schemas``."""
        return f"{self.name}.json"

    @property
    def schema_id(self) -> str:
        """``$id`` of the data schema (also used as CloudEvents ``dataschema``)."""
        return f"{SCHEMA_BASE_ID}{self.schema_file}"


def _types(*items: EventType) -> Mapping[str, EventType]:
    return MappingProxyType({t.name: t for t in items})


EVENT_TYPES: Mapping[str, EventType] = _types(
    EventType("shipment.status", "SHIPMENT", ("SHIPMENT", "TRANSPORT", "EQUIPMENT", "DOCUMENT"),
              "A shipment, transport or equipment milestone (X12 214, carrier APIs, DCSA T&T)."),
    EventType("load.tender", "TENDER", ("TENDER",), "A load offered to a carrier (X12 204)."),
    EventType("tender.response", "TENDER", ("TENDER",), "Carrier accepts or declines a tender (X12 990)."),
    EventType("freight.invoice", "FINANCIAL", ("FINANCIAL",), "Carrier freight invoice (X12 210)."),
    EventType("ship.notice", "SHIPMENT", ("SHIPMENT",), "Advance ship notice (X12 856, DESADV)."),
    EventType("order", "ORDER", ("ORDER",),
              "Purchase / sales order (X12 850, ORDERS) or warehouse shipping order (X12 940)."),
    EventType("warehouse.advice", "WAREHOUSE", ("WAREHOUSE",), "Warehouse shipping advice (X12 945)."),
    EventType("delivery.confirmation", "SHIPMENT", ("SHIPMENT",), "Proof of delivery."),
    EventType("telemetry.position", "TELEMETRY", ("TELEMETRY",), "Vehicle or device position."),
    EventType("telemetry.reading", "TELEMETRY", ("TELEMETRY",), "Sensor readings (reefer, probes)."),
    EventType("acknowledgement", "ACKNOWLEDGEMENT", ("ACKNOWLEDGEMENT",),
              "Functional acknowledgement (X12 997/999)."),
)

_BY_CE_TYPE: Mapping[str, EventType] = MappingProxyType({t.ce_type: t for t in EVENT_TYPES.values()})


def get_event_type(name_or_ce_type: str) -> EventType:
    """Look an event type up by short name or CloudEvents type; KeyError if unknown."""
    found = EVENT_TYPES.get(name_or_ce_type) or _BY_CE_TYPE.get(name_or_ce_type)
    if found is None:
        raise KeyError(f"unknown canonical event type {name_or_ce_type!r}")
    return found


def event_type_for_ce_type(ce_type: str) -> EventType | None:
    """Event type for a CloudEvents ``type`` value, or None."""
    return _BY_CE_TYPE.get(ce_type)
