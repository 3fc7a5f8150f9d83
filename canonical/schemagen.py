"""Source of the canonical JSON Schemas; writes ``canonical/schemas/*.json``.

The JSON files are the published contract (ERP teams read them), but eleven
event schemas share a dozen base properties and a large ``common.json``, and
keeping those copies aligned by hand is how contracts drift. So the schemas are
written here once, as Python data, and ``python -m canonical.schemagen``
regenerates the files; ``tests/canonical/test_schemas.py`` fails if a committed
file differs from what this module produces.

Keyword discipline: only keywords that jsonschema (2020-12) and fastjsonschema
(draft-07) both implement the same way. Dates and times are checked with
``pattern`` rather than ``format`` because fastjsonschema asserts ``format``
and jsonschema (by default) does not, and the two validators must agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# Patterns live in canonical.patterns so the runtime validator can use them
# without importing this generator.
from canonical.patterns import DATE_RE, DECIMAL_RE, INSTANT_RE, MAPPING_REF_RE, OFFSET_RE, TIME_RE, TZ_RE

SCHEMA_DIR = Path(__file__).parent / "schemas"
BASE_ID = "https://schemas.logistics-gateway.org/canonical/v1/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
CE_TYPE_PREFIX = "org.logistics-gateway."

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    """Reference a shared definition in common.json."""
    return {"$ref": f"common.json#/$defs/{name}"}


def local(name: str) -> Schema:
    """Reference a definition local to the event-type file being built."""
    return {"$ref": f"#/$defs/{name}"}


def obj(props: dict[str, Schema], required: list[str] | None = None, **extra: Any) -> Schema:
    """A closed object: the mapping engine relies on additionalProperties false."""
    out: Schema = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    out.update(extra)
    return out


def arr(items: Schema, **extra: Any) -> Schema:
    """An array with a single items schema (draft-07 and 2020-12 agree on that form)."""
    return {"type": "array", "items": items, **extra}


def s(desc: str | None = None, **extra: Any) -> Schema:
    """A non-empty string; empty strings are never meaningful in canonical data."""
    out: Schema = {"type": "string", "minLength": 1}
    if desc:
        out["description"] = desc
    out.update(extra)
    return out


def enum(values: list[str], desc: str | None = None) -> Schema:
    """A string enum."""
    out: Schema = {"type": "string", "enum": values}
    if desc:
        out["description"] = desc
    return out


# --------------------------------------------------------------------------
# Shared vocabularies. status codes must equal tables/status-taxonomy.yaml
# (a test checks) so rules and models can switch on them safely.
# --------------------------------------------------------------------------

STATUS_CODES = [
    "CREATED", "PICKUP_SCHEDULED", "ARRIVED_PICKUP", "LOADED", "PICKED_UP",
    "DEPARTED_ORIGIN", "IN_TRANSIT", "CUSTOMS_HOLD", "CUSTOMS_RELEASED",
    "AVAILABLE_FOR_PICKUP", "OUT_FOR_DELIVERY", "ARRIVED_DELIVERY", "DELIVERED",
    "DELIVERY_ATTEMPTED", "EXCEPTION", "RETURNED", "CANCELLED", "ESTIMATE_UPDATED",
    "UNKNOWN",
    # telematics discrete events and readings
    "POSITION", "IGNITION_ON", "IGNITION_OFF", "GEOFENCE_ENTER", "GEOFENCE_EXIT",
    "DOOR_OPEN", "DOOR_CLOSED", "READING", "SETPOINT_CHANGED", "ALARM",
]

EVENT_CLASSES = [
    "SHIPMENT", "TRANSPORT", "EQUIPMENT", "TELEMETRY", "ORDER", "DOCUMENT",
    "TENDER", "FINANCIAL", "WAREHOUSE", "ACKNOWLEDGEMENT",
]

IDENTIFIER_TYPES = [
    "trackingNumber", "shipmentId", "shipmentNumber", "bol", "masterBol", "houseBol",
    "pro", "booking", "orderNumber", "purchaseOrder", "salesOrder", "deliveryNumber",
    "loadId", "tenderId", "stopSequence", "container", "sscc", "gtin", "vin", "imei",
    "deviceId", "vehicleId", "plate", "trailer", "seal", "customerReference",
    "shipperReference", "consigneeReference", "forwarderReference", "carrierReference",
    "invoiceNumber", "appointmentNumber", "quoteNumber", "contractNumber",
    "interchangeControlNumber", "groupControlNumber", "transactionSetControlNumber",
    "idocNumber", "airWaybill", "manifestNumber", "warehouseReceipt", "other",
]

SUBJECT_TYPES = [
    "shipment", "load", "order", "handlingUnit", "container", "trailer", "vehicle",
    "device", "document", "invoice", "interchange",
]

PARTY_ROLES = [
    "SHIPPER", "CONSIGNEE", "CARRIER", "BILL_TO", "SOLD_TO", "SHIP_TO", "SHIP_FROM",
    "FORWARDER", "BROKER", "NOTIFY", "ORIGINATOR", "PAYER", "REMIT_TO", "WAREHOUSE",
    "DEPOSITOR", "SUPPLIER", "BUYER", "MANUFACTURER", "DRIVER", "TERMINAL", "OTHER",
]

PARTY_ID_SCHEMES = [
    "SCAC", "GLN", "DUNS", "SMDG", "SAP_PARTNER", "NMFTA", "IATA", "BIC", "EORI",
    "VAT", "LEI", "MC", "USDOT", "SPLC", "FIRMS", "partner",
]

MEASUREMENT_KINDS = [
    "grossWeight", "netWeight", "tareWeight", "weight", "volume", "length", "width",
    "height", "pieceCount", "packageCount", "palletCount", "temperature", "humidity",
    "o2", "co2", "airExchange", "pressure", "speed", "heading", "altitude", "odometer",
    "distance", "fuelLevel", "batteryLevel", "batteryVoltage", "engineHours",
    "satellites", "signalStrength", "loadingMeters", "other",
]

MODES = ["ROAD", "RAIL", "OCEAN", "AIR", "BARGE", "PARCEL", "INTERMODAL", "PIPELINE", "OTHER"]

STOP_ROLES = ["PICKUP", "DELIVERY", "TRANSSHIPMENT", "WAYPOINT", "BORDER", "FUEL", "REST", "OTHER"]

# --------------------------------------------------------------------------
# common.json
# --------------------------------------------------------------------------

def common_defs() -> dict[str, Schema]:
    """Definitions shared by all event types."""
    address = obj({
        "lines": arr(s(), maxItems=6),
        "city": s(),
        "region": s("State, province or region code or name."),
        "postalCode": s(),
        "countryCode": {"type": "string", "pattern": "^[A-Z]{2}$",
                        "description": "ISO 3166-1 alpha-2."},
    })
    time_value = obj(
        {
            "instant": {"type": "string", "format": "date-time", "pattern": INSTANT_RE,
                        "description": "RFC 3339 with offset, as the source stated it."},
            "instantUtc": {"type": "string", "format": "date-time", "pattern": INSTANT_RE,
                           "description": "Same instant rendered in UTC (Z)."},
            "localDate": {"type": "string", "format": "date", "pattern": DATE_RE},
            "localTime": {"type": "string", "pattern": TIME_RE},
            "tz": {"$ref": "#/$defs/Tz"},
            "utcOffset": {"type": "string", "pattern": OFFSET_RE},
            "precision": enum(["instant", "minute", "date"]),
            "sourceText": {"type": "string", "description": "The source value(s), verbatim."},
        },
        description=("A point in time that may be only partly known: an instant, or a local "
                     "date (and time) whose zone may be unknown. Date-only values must not be "
                     "turned into midnight-UTC instants."),
        anyOf=[{"required": ["instant"]}, {"required": ["localDate"]}],
    )
    defs: dict[str, Schema] = {
        "Code": {"type": "string", "minLength": 1, "maxLength": 64,
                 "description": "A code; always a string (leading zeros matter)."},
        "Decimal": {"type": ["number", "string"], "pattern": DECIMAL_RE,
                    "description": "A decimal: JSON number, or a string to avoid float rounding."},
        "Instant": {"type": "string", "format": "date-time", "pattern": INSTANT_RE},
        "LocalDate": {"type": "string", "format": "date", "pattern": DATE_RE},
        "Tz": {"type": "string", "pattern": TZ_RE, "description": "IANA time zone name."},
        "CurrencyCode": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217."},
        "UnitCode": {"type": "string", "pattern": "^[A-Z0-9]{1,3}$",
                     "description": "UN/ECE Recommendation 20 unit code (KGM, CEL, KMH ...)."},
        "EventClass": enum(EVENT_CLASSES),
        "Classifier": enum(["ACTUAL", "ESTIMATED", "PLANNED", "REQUESTED"]),
        "StatusCode": enum(STATUS_CODES, "Canonical status taxonomy (tables/status-taxonomy.yaml)."),
        "ReasonCode": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$",
                       "description": "Canonical reason (tables/x12-at7-reason.yaml values)."},
        "Identifier": obj(
            {
                "type": enum(IDENTIFIER_TYPES),
                "value": s(maxLength=256),
                "issuer": s("Who issued it: SCAC, GLN, system or partner name."),
                "qualifier": {"$ref": "#/$defs/Code",
                              "description": "Source qualifier kept verbatim (X12 L11/N9, DCSA typeCode)."},
            },
            ["type", "value"],
        ),
        "Subject": obj(
            {"type": enum(SUBJECT_TYPES), "value": s(maxLength=256)},
            ["type", "value"],
            description="What the event is about.",
        ),
        "Address": address,
        "Geo": obj(
            {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "lon": {"type": "number", "minimum": -180, "maximum": 180},
                "accuracyM": {"type": "number", "minimum": 0},
                "altitudeM": {"type": "number"},
                "crs": {"type": "string", "const": "WGS84"},
            },
            ["lat", "lon"],
        ),
        "Facility": obj({
            "code": {"$ref": "#/$defs/Code"},
            "codeListProvider": s("SMDG, BIC, FIRMS, GLN, SPLC, or a partner name."),
            "typeCode": {"$ref": "#/$defs/Code",
                         "description": "DCSA facility type: POTE, DEPO, INTE, CLOC, RAMP ..."},
        }, minProperties=1),
        "Geofence": obj({
            "id": s(), "name": s(),
            "event": enum(["ENTER", "EXIT", "INSIDE"]),
        }, minProperties=1),
        "Location": obj(
            {
                "name": s(),
                "address": {"$ref": "#/$defs/Address"},
                "unlocode": {"type": "string", "pattern": "^[A-Z]{2}[A-Z2-9]{3}$"},
                "gln": {"type": "string", "pattern": r"^[0-9]{13}$"},
                "facility": {"$ref": "#/$defs/Facility"},
                "geo": {"$ref": "#/$defs/Geo"},
                "tz": {"$ref": "#/$defs/Tz"},
                "geofences": arr({"$ref": "#/$defs/Geofence"}),
                "ids": arr({"$ref": "#/$defs/PartyId"},
                           description="Other location codes (partner site id, SPLC ...)."),
            },
            minProperties=1,
            description="Any non-empty subset of the members.",
        ),
        "PartyId": obj({"scheme": enum(PARTY_ID_SCHEMES), "value": s(),
                        "issuer": s("For scheme partner: whose code list.")},
                       ["scheme", "value"]),
        "Contact": obj({"name": s(), "phone": s(), "email": s(), "fax": s(),
                        "function": {"$ref": "#/$defs/Code"}}, minProperties=1),
        "Party": obj(
            {
                "role": enum(PARTY_ROLES),
                "name": s(),
                "ids": arr({"$ref": "#/$defs/PartyId"}),
                "address": {"$ref": "#/$defs/Address"},
                "location": {"$ref": "#/$defs/Location"},
                "contacts": arr({"$ref": "#/$defs/Contact"}),
                "sourceRole": {"$ref": "#/$defs/Code",
                               "description": "Source role code verbatim (X12 N101, SAP PARVW)."},
            },
            ["role"],
        ),
        "MeasurementSource": obj(
            {"value": {"type": ["number", "string"]}, "unit": {"type": "string"}},
            description="The value and unit as the source sent them, before normalisation.",
        ),
        "MeasurementStats": obj({
            "min": {"$ref": "#/$defs/Decimal"}, "max": {"$ref": "#/$defs/Decimal"},
            "mean": {"$ref": "#/$defs/Decimal"}, "sdev": {"$ref": "#/$defs/Decimal"},
            "count": {"type": "integer", "minimum": 0},
        }, minProperties=1),
        "Measurement": obj(
            {
                "kind": enum(MEASUREMENT_KINDS),
                "value": {"$ref": "#/$defs/Decimal"},
                "unit": {"$ref": "#/$defs/UnitCode"},
                "role": s("setpoint, ambient, supply, return, probe1..probe4, cargo, package ..."),
                "sensorId": s(),
                "observedAt": {"$ref": "#/$defs/Instant"},
                "stats": {"$ref": "#/$defs/MeasurementStats"},
                "alarm": {"type": "boolean"},
                "qualifier": {"$ref": "#/$defs/Code", "description": "Source qualifier verbatim."},
                "source": {"$ref": "#/$defs/MeasurementSource"},
            },
            ["kind", "value", "unit"],
        ),
        "TimeValue": time_value,
        "TimeWindow": obj(
            {"start": {"$ref": "#/$defs/TimeValue"}, "end": {"$ref": "#/$defs/TimeValue"},
             "qualifier": {"$ref": "#/$defs/Code"}},
            anyOf=[{"required": ["start"]}, {"required": ["end"]}],
        ),
        "StatusSource": obj(
            {"system": s("X12, DCSA, EASYPOST, SHIPPO, TERMINAL49, TRACCAR ..."),
             "code": {"$ref": "#/$defs/Code"}, "reasonCode": {"$ref": "#/$defs/Code"},
             "description": {"type": "string"}},
            ["system"],
        ),
        "Status": obj(
            {"code": {"$ref": "#/$defs/StatusCode"}, "reason": {"$ref": "#/$defs/ReasonCode"},
             "source": {"$ref": "#/$defs/StatusSource"}},
            ["code"],
        ),
        "Money": obj({"amount": {"$ref": "#/$defs/Decimal"},
                      "currency": {"$ref": "#/$defs/CurrencyCode"}}, ["amount"]),
        "Charge": obj(
            {
                "code": {"$ref": "#/$defs/Code"},
                "description": {"type": "string"},
                "amount": {"$ref": "#/$defs/Decimal"},
                "currency": {"$ref": "#/$defs/CurrencyCode"},
                "quantity": {"$ref": "#/$defs/Decimal"},
                "rate": {"$ref": "#/$defs/Decimal"},
                "rateBasis": {"$ref": "#/$defs/Code",
                              "description": "What the rate applies to (per kg, flat, per mile)."},
                "type": enum(["LINE_HAUL", "FUEL", "ACCESSORIAL", "TAX", "DISCOUNT",
                              "DETENTION", "OTHER"]),
                "lineNumber": {"$ref": "#/$defs/Code"},
            },
            ["amount"],
        ),
        "Equipment": obj({
            "id": s("Equipment number (ISO 6346 for containers)."),
            "initial": {"$ref": "#/$defs/Code", "description": "Owner prefix / SCAC (X12 MS2, N7)."},
            "number": s(),
            "isoSizeType": {"type": "string", "pattern": "^[0-9A-Z]{4}$"},
            "typeCode": {"$ref": "#/$defs/Code", "description": "Source equipment type verbatim."},
            "description": s(),
            "loadState": enum(["EMPTY", "LADEN"]),
            "seals": arr(s()),
            "temperatureControlled": {"type": "boolean"},
            "measurements": arr({"$ref": "#/$defs/Measurement"},
                                description="Equipment dimensions or capacity (X12 N7 length ...)."),
        }, minProperties=1),
        "Conveyance": obj({
            "mode": enum(MODES),
            "modeCode": {"$ref": "#/$defs/Code", "description": "UN Rec 19 or source mode code."},
            "vehicleId": s(), "plate": s(), "driver": s(),
            "vesselImo": {"type": "string", "pattern": r"^[0-9]{7}$"},
            "vesselName": s(), "callSign": s(), "voyage": s(), "serviceCode": s(),
            "flightNumber": s(), "trainNumber": s(),
            "carrierScac": {"type": "string", "pattern": "^[A-Z]{2,4}$"},
        }, minProperties=1),
        "Stop": obj(
            {
                "sequence": {"type": "integer", "minimum": 0},
                "role": enum(STOP_ROLES),
                "reasonCode": {"$ref": "#/$defs/Code", "description": "Source stop reason verbatim (X12 S501)."},
                "location": {"$ref": "#/$defs/Location"},
                "appointment": {"$ref": "#/$defs/TimeWindow"},
                "requested": {"$ref": "#/$defs/TimeWindow"},
                "plannedArrival": {"$ref": "#/$defs/TimeValue"},
                "plannedDeparture": {"$ref": "#/$defs/TimeValue"},
                "actualArrival": {"$ref": "#/$defs/TimeValue"},
                "actualDeparture": {"$ref": "#/$defs/TimeValue"},
                "identifiers": arr({"$ref": "#/$defs/Identifier"}),
                "parties": arr({"$ref": "#/$defs/Party"}),
                "measurements": arr({"$ref": "#/$defs/Measurement"}),
                "items": arr({"$ref": "#/$defs/LineItem"},
                             description="What is picked up or dropped here (X12 204 OID / L5)."),
                "instructions": arr({"type": "string"}),
            },
            minProperties=1,
        ),
        "Note": obj({"qualifier": {"$ref": "#/$defs/Code"}, "text": s()}, ["text"]),
        "Provenance": obj(
            {
                "partnerId": s(),
                "channel": s("Inbound channel: as2, sftp, webhook, mqtt, api-poll ..."),
                "mapping": {"type": "string", "pattern": MAPPING_REF_RE,
                            "description": "name@version of the mapping that produced the event."},
                "rawMessageId": s("Id of the stored raw bytes."),
                "sourceFormat": s("x12-214, easypost-tracker, dcsa-tnt-3.0, owntracks ..."),
                "interchangeControlNumber": {"$ref": "#/$defs/Code"},
                "transactionSetControlNumber": {"$ref": "#/$defs/Code"},
            },
            ["partnerId", "sourceFormat"],
        ),
        "Extensions": {"type": "object",
                       "description": "Kept-but-unnamed source fields; free form by design."},
        "LineItem": obj(
            {
                "lineNumber": {"$ref": "#/$defs/Code"},
                "sku": s(), "gtin": {"type": "string", "pattern": r"^[0-9]{8,14}$"},
                "buyerPartNumber": s(), "vendorPartNumber": s(),
                "description": {"type": "string"},
                "quantity": {"$ref": "#/$defs/Decimal"},
                "quantityUnit": {"$ref": "#/$defs/Code", "description": "Source unit verbatim (EA, CS, PLT)."},
                "quantityOrdered": {"$ref": "#/$defs/Decimal"},
                "quantityShipped": {"$ref": "#/$defs/Decimal"},
                "quantityConfirmed": {"$ref": "#/$defs/Decimal"},
                "quantityBackordered": {"$ref": "#/$defs/Decimal"},
                "unitPrice": {"$ref": "#/$defs/Money"},
                "lotNumber": s(), "serialNumbers": arr(s()),
                "expiryDate": {"$ref": "#/$defs/LocalDate"},
                "status": {"$ref": "#/$defs/Code", "description": "Line status code verbatim."},
                "requestedDate": {"$ref": "#/$defs/TimeValue"},
                "confirmedDate": {"$ref": "#/$defs/TimeValue"},
                "identifiers": arr({"$ref": "#/$defs/Identifier"}),
                "measurements": arr({"$ref": "#/$defs/Measurement"}),
                "extensions": {"$ref": "#/$defs/Extensions"},
            },
            minProperties=1,
        ),
        "PaymentTerms": enum(["PREPAID", "COLLECT", "THIRD_PARTY", "MIXED"],
                             "Freight payment method (X12 146 PP/CC/TP)."),
    }
    return defs


# --------------------------------------------------------------------------
# Event types
# --------------------------------------------------------------------------

def base_props(classes: list[str]) -> dict[str, Schema]:
    """Properties every event data object carries."""
    return {
        "eventClass": {"type": "string", "enum": classes},
        "subject": ref("Subject"),
        "identifiers": arr(ref("Identifier")),
        "sourceEventId": s("Source event id (DCSA eventID, EasyPost evt_, IDoc DOCNUM ...)."),
        "sourceEventVersion": {**ref("Instant"),
                               "description": "Source update time; later wins for the same sourceEventId."},
        "retracted": {"type": "boolean"},
        "recordedAt": ref("Instant"),
        "receivedAt": ref("Instant"),
        "parties": arr(ref("Party")),
        "remarks": {"type": "string"},
        "notes": arr(ref("Note")),
        "provenance": ref("Provenance"),
        "extensions": ref("Extensions"),
    }


BASE_REQUIRED = ["eventClass", "subject", "identifiers", "provenance"]


def event_schema(name: str, title: str, classes: list[str], props: dict[str, Schema],
                 required: list[str], defs: dict[str, Schema] | None = None) -> Schema:
    """The data schema of one event type (the CloudEvents ``data`` member)."""
    all_props = base_props(classes)
    overlap = set(all_props) & set(props)
    if overlap:
        raise ValueError(f"{name}: redefines base properties {sorted(overlap)}")
    all_props.update(props)
    out: Schema = {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}{name}.json",
        "title": title,
        **obj(all_props, BASE_REQUIRED + required),
    }
    if defs:
        out["$defs"] = defs
    return out


def events() -> dict[str, Schema]:
    """Data schemas per event short name."""
    T = ref("TimeValue")
    out: dict[str, Schema] = {}

    out["shipment.status"] = event_schema(
        "shipment.status", "Shipment status event",
        ["SHIPMENT", "TRANSPORT", "EQUIPMENT", "DOCUMENT"],
        {
            "status": ref("Status"),
            "classifier": ref("Classifier"),
            "occurredAt": T,
            "location": ref("Location"),
            "equipment": ref("Equipment"),
            "conveyance": ref("Conveyance"),
            "measurements": arr(ref("Measurement")),
            "eta": T, "originalEta": T,
            "stop": ref("Stop"),
            "appointment": ref("TimeWindow"),
            "signedBy": s(),
            "previousStatus": ref("Status"),
        },
        ["status", "classifier", "occurredAt"],
    )

    out["load.tender"] = event_schema(
        "load.tender", "Load tender (X12 204)", ["TENDER"],
        {
            "purpose": enum(["ORIGINAL", "CANCEL", "CHANGE", "CONFIRMATION"]),
            "tenderedAt": T,
            "respondBy": T,
            "paymentTerms": ref("PaymentTerms"),
            "stops": arr(ref("Stop"), minItems=1),
            "equipment": arr(ref("Equipment")),
            "conveyance": ref("Conveyance"),
            "measurements": arr(ref("Measurement")),
            "charges": arr(ref("Charge")),
            "totalCharge": ref("Money"),
            "items": arr(ref("LineItem")),
            "serviceLevel": ref("Code"),
            "hazardous": {"type": "boolean"},
        },
        ["purpose", "stops"],
    )

    out["tender.response"] = event_schema(
        "tender.response", "Tender response (X12 990)", ["TENDER"],
        {
            "decision": enum(["ACCEPTED", "DECLINED", "CONDITIONAL"]),
            "reason": ref("ReasonCode"),
            "reasonText": {"type": "string"},
            "sourceDecisionCode": ref("Code"),
            "respondedAt": T,
            "loadId": s(),
            "carrier": ref("Party"),
            "pickupAt": T,
        },
        ["decision", "loadId"],
    )

    out["freight.invoice"] = event_schema(
        "freight.invoice", "Freight invoice (X12 210)", ["FINANCIAL"],
        {
            "invoiceNumber": s(),
            "invoiceDate": T,
            "dueDate": T,
            "purpose": enum(["ORIGINAL", "CORRECTED", "CANCEL", "DUPLICATE"]),
            "paymentTerms": ref("PaymentTerms"),
            "currency": ref("CurrencyCode"),
            "charges": arr(ref("Charge")),
            "total": ref("Money"),
            "measurements": arr(ref("Measurement")),
            "stops": arr(ref("Stop")),
            "equipment": arr(ref("Equipment")),
            "shippedAt": T,
            "deliveredAt": T,
        },
        ["invoiceNumber", "total"],
    )

    out["ship.notice"] = event_schema(
        "ship.notice", "Advance ship notice (X12 856, DESADV)", ["SHIPMENT"],
        {
            "purpose": enum(["ORIGINAL", "CHANGE", "CANCEL", "REPLACE"]),
            "shippedAt": T,
            "estimatedDelivery": T,
            "shipFrom": ref("Location"),
            "shipTo": ref("Location"),
            "conveyance": ref("Conveyance"),
            "equipment": arr(ref("Equipment")),
            "measurements": arr(ref("Measurement")),
            "orders": arr(local("AsnOrder")),
            "packs": arr(local("AsnPack")),
            "items": arr(ref("LineItem")),
        },
        # Not required: ERP delivery item and document-flow records carry no ship time, and a
        # made-up one (the receipt time) would be read as a fact.
        [],
        defs={
            "AsnPack": obj(
                {
                    "sscc": {"type": "string", "pattern": r"^[0-9]{18}$"},
                    "id": s("Pack id when there is no SSCC."),
                    "level": enum(["PALLET", "CASE", "INNER", "PACKAGE", "OTHER"]),
                    "packagingCode": ref("Code"),
                    "parentId": s("sscc or id of the enclosing pack (flattened HL tree)."),
                    "trackingNumber": s(),
                    "orderNumber": s(),
                    "measurements": arr(ref("Measurement")),
                    "items": arr(ref("LineItem")),
                },
                minProperties=1,
            ),
            "AsnOrder": obj(
                {
                    "orderNumber": s(), "purchaseOrder": s(), "orderDate": T,
                    "identifiers": arr(ref("Identifier")),
                    "items": arr(ref("LineItem")),
                    "packIds": arr(s()),
                },
                minProperties=1,
            ),
        },
    )

    out["order"] = event_schema(
        "order", "Order (purchase, sales, or warehouse shipping order 940)", ["ORDER"],
        {
            "kind": enum(["PURCHASE", "SALES", "WAREHOUSE_SHIPPING", "TRANSFER", "RETURN"]),
            "action": enum(["CREATE", "CHANGE", "CANCEL", "CONFIRM"]),
            "orderNumber": s(),
            "orderDate": T,
            "requestedShip": ref("TimeWindow"),
            "requestedDelivery": ref("TimeWindow"),
            "confirmedShip": T,
            "confirmedDelivery": T,
            "shipFrom": ref("Location"),
            "shipTo": ref("Location"),
            "paymentTerms": ref("PaymentTerms"),
            "incoterms": obj({"code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                              "place": s()}, ["code"]),
            "carrier": ref("Party"),
            "serviceLevel": ref("Code"),
            "lines": arr(ref("LineItem")),
            "measurements": arr(ref("Measurement")),
            "total": ref("Money"),
            "status": ref("Code"),
        },
        ["kind", "orderNumber"],
    )

    out["warehouse.advice"] = event_schema(
        "warehouse.advice", "Warehouse shipping advice (X12 945)", ["WAREHOUSE"],
        {
            "orderNumber": s(),
            "depositorOrderNumber": s(),
            "shippedAt": T,
            "shipTo": ref("Location"),
            "shipFrom": ref("Location"),
            "carrier": ref("Party"),
            "conveyance": ref("Conveyance"),
            "lines": arr(ref("LineItem")),
            "packs": arr(local("WarehousePack")),
            "measurements": arr(ref("Measurement")),
        },
        ["orderNumber", "shippedAt"],
        defs={
            "WarehousePack": obj(
                {
                    "sscc": {"type": "string", "pattern": r"^[0-9]{18}$"},
                    "id": s(), "trackingNumber": s(),
                    "measurements": arr(ref("Measurement")),
                    "items": arr(ref("LineItem")),
                },
                minProperties=1,
            ),
        },
    )

    out["delivery.confirmation"] = event_schema(
        "delivery.confirmation", "Proof of delivery", ["SHIPMENT"],
        {
            "deliveredAt": T,
            "location": ref("Location"),
            "signedBy": s(),
            "signatureRef": s("Reference to a stored signature or POD image."),
            "documentRefs": arr(s()),
            "exceptions": arr(local("DeliveryException")),
            "measurements": arr(ref("Measurement")),
            "items": arr(ref("LineItem")),
        },
        ["deliveredAt"],
        defs={
            "DeliveryException": obj(
                {
                    "type": enum(["SHORTAGE", "OVERAGE", "DAMAGE", "REFUSED", "LATE", "OTHER"]),
                    "reason": ref("ReasonCode"),
                    "description": {"type": "string"},
                    "quantity": ref("Decimal"),
                    "lineNumber": ref("Code"),
                    "sourceCode": ref("Code"),
                },
                ["type"],
            ),
        },
    )

    out["telemetry.position"] = event_schema(
        "telemetry.position", "Vehicle / device position", ["TELEMETRY"],
        {
            "status": ref("Status"),
            "occurredAt": T,
            "deviceTime": ref("Instant"),
            "fixTime": ref("Instant"),
            "device": local("Device"),
            "vehicle": ref("Conveyance"),
            "location": ref("Location"),
            "speed": ref("Measurement"),
            "heading": {"type": "number", "minimum": 0, "maximum": 360},
            "odometer": ref("Measurement"),
            "ignition": {"type": "boolean"},
            "motion": {"type": "boolean"},
            "valid": {"type": "boolean", "description": "Whether the GNSS fix is valid."},
            "measurements": arr(ref("Measurement")),
            "equipment": ref("Equipment"),
        },
        ["occurredAt", "location"],
        defs={"Device": device_def()},
    )

    out["telemetry.reading"] = event_schema(
        "telemetry.reading", "Sensor readings (reefer, temperature, humidity ...)", ["TELEMETRY"],
        {
            "status": ref("Status"),
            "occurredAt": T,
            "device": local("Device"),
            "equipment": ref("Equipment"),
            "vehicle": ref("Conveyance"),
            "location": ref("Location"),
            "measurements": arr(ref("Measurement"), minItems=1),
        },
        ["occurredAt", "measurements"],
        defs={"Device": device_def()},
    )

    out["acknowledgement"] = event_schema(
        "acknowledgement", "Functional acknowledgement (X12 997/999)", ["ACKNOWLEDGEMENT"],
        {
            "ackType": enum(["FUNCTIONAL", "IMPLEMENTATION", "INTERCHANGE", "APPLICATION"]),
            "interchangeControlNumber": ref("Code"),
            "groupControlNumber": ref("Code"),
            "functionalIdentifier": ref("Code"),
            "groupStatus": local("AckStatus"),
            "acknowledgedAt": T,
            "sets": arr(local("AckSet")),
            "errors": arr(local("AckError")),
        },
        ["groupControlNumber", "groupStatus"],
        defs={
            "AckStatus": enum(["ACCEPTED", "ACCEPTED_WITH_ERRORS", "PARTIALLY_ACCEPTED", "REJECTED"]),
            "AckSet": obj(
                {
                    "transactionSetId": ref("Code"),
                    "controlNumber": ref("Code"),
                    "status": local("AckStatus"),
                    "sourceCode": ref("Code"),
                    "errors": arr(local("AckError")),
                },
                ["controlNumber", "status"],
            ),
            "AckError": obj(
                {
                    "level": enum(["INTERCHANGE", "GROUP", "SET", "SEGMENT", "ELEMENT"]),
                    "code": ref("Code"),
                    "description": {"type": "string"},
                    "segmentId": ref("Code"),
                    "segmentPosition": {"type": "integer", "minimum": 0},
                    "loopId": ref("Code"),
                    "elementPosition": {"type": "integer", "minimum": 0},
                    "componentPosition": {"type": "integer", "minimum": 0},
                    "elementReference": ref("Code"),
                    "badValue": {"type": "string"},
                },
                ["code"],
            ),
        },
    )
    return out


def device_def() -> Schema:
    """Device that produced a telemetry message."""
    return obj(
        {
            "id": s(), "imei": {"type": "string", "pattern": r"^[0-9]{14,16}$"},
            "name": s(), "model": s(), "protocol": s(),
            "batteryLevel": {"type": "number", "minimum": 0, "maximum": 100},
        },
        minProperties=1,
    )


def common_schema() -> Schema:
    """common.json."""
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}common.json",
        "title": "Canonical event model v1: shared definitions",
        "$defs": common_defs(),
    }


def envelope_schema() -> Schema:
    """envelope.json: CloudEvents 1.0 structured mode plus the gateway's extensions."""
    return {
        "$schema": DIALECT,
        "$id": f"{BASE_ID}envelope.json",
        "title": "Canonical event envelope (CloudEvents 1.0, structured JSON)",
        **obj(
            {
                "specversion": {"type": "string", "const": "1.0"},
                "id": s("Gateway-assigned ULID / UUIDv7."),
                "source": s("URI-reference, /partners/{partnerId}/{channel}."),
                "type": {"type": "string",
                         "pattern": r"^org\.logistics-gateway\.[a-z][a-z0-9]*(\.[a-z][a-z0-9]*)*\.v[0-9]+$"},
                "time": {"type": "string", "format": "date-time", "pattern": INSTANT_RE},
                "subject": s("{idType}:{value}, e.g. trackingNumber:1Z..."),
                "datacontenttype": {"type": "string", "const": "application/json"},
                "dataschema": {"type": "string", "format": "uri", "pattern": "^[a-z][a-z0-9+.-]*:"},
                "data": {"type": "object"},
                "partner": s(),
                "mapping": {"type": "string", "pattern": MAPPING_REF_RE},
                "rawmessageid": s(),
                "traceparent": {"type": "string",
                                "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"},
                "tracestate": {"type": "string", "maxLength": 512},
                "partitionkey": s(),
            },
            ["specversion", "id", "source", "type", "time", "data"],
        ),
    }


def all_schemas() -> dict[str, Schema]:
    """Relative file name -> schema, for every file in canonical/schemas.

    ``bundled/<type>.event.json`` are single-file schemas of a whole CloudEvent per
    type (envelope + data, no sibling refs) for consumers whose tooling cannot
    resolve references across files; they are derived, never edited.
    """
    from canonical.events import EVENT_TYPES
    from canonical.schema_store import bundle

    common, envelope = common_schema(), envelope_schema()
    out = {"common.json": common, "envelope.json": envelope}
    for name, schema in events().items():
        out[f"{name}.json"] = schema
        out[f"bundled/{name}.event.json"] = bundle(common, envelope, EVENT_TYPES[name], schema)[0]
    return out


def render(schema: Schema) -> str:
    """Stable JSON text (so regeneration gives no diff noise)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file; returns the paths written."""
    paths = []
    for fname, schema in all_schemas().items():
        p = directory / fname
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(render(schema), encoding="utf-8")
        paths.append(p)
    return paths


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR):
        print(path)
