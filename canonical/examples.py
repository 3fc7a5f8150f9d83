"""One realistic example event per canonical type.

Used by the tests, the micro benchmark and as documentation for ERP teams.
Each builder returns a fresh dict so callers may mutate it freely.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from canonical.events import get_event_type

Event = dict[str, Any]


def envelope(name: str, data: dict[str, Any], subject: str, time: str, **extra: Any) -> Event:
    """Wrap ``data`` in a CloudEvents envelope for event type ``name``."""
    et = get_event_type(name)
    ev: Event = {
        "specversion": "1.0",
        "id": "01JH8Z6V7Q5W2N3X4Y5Z6A7B8C",
        "source": "/partners/acme/as2",
        "type": et.ce_type,
        "time": time,
        "subject": subject,
        "datacontenttype": "application/json",
        "dataschema": et.schema_id,
        "partner": "acme",
        "mapping": "acme-214@3",
        "rawmessageid": "raw-2026-01-20-000123",
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "partitionkey": "pro:PRO123456",
        "data": data,
    }
    ev.update(extra)
    return ev


def _prov(fmt: str, mapping: str = "acme-214@3") -> dict[str, Any]:
    return {"partnerId": "acme", "channel": "as2", "mapping": mapping,
            "rawMessageId": "raw-2026-01-20-000123", "sourceFormat": fmt}


def shipment_status() -> Event:
    """A typical X12 214 'X1 arrived at delivery' event with the usual trimmings."""
    data = {
        "eventClass": "SHIPMENT",
        "classifier": "ACTUAL",
        "sourceEventId": "214-000123-1",
        "retracted": False,
        "status": {"code": "ARRIVED_DELIVERY", "reason": "NORMAL",
                   "source": {"system": "X12", "code": "X1", "reasonCode": "NS",
                              "description": "arrived at delivery location"}},
        "subject": {"type": "shipment", "value": "PRO123456"},
        "identifiers": [
            {"type": "pro", "value": "PRO123456", "issuer": "ACME"},
            {"type": "bol", "value": "BOL998877"},
            {"type": "purchaseOrder", "value": "4500012345", "qualifier": "PO"},
        ],
        "occurredAt": {"instant": "2026-01-20T14:05:00-05:00",
                       "instantUtc": "2026-01-20T19:05:00Z",
                       "localDate": "2026-01-20", "localTime": "14:05",
                       "tz": "America/New_York", "utcOffset": "-05:00",
                       "precision": "minute", "sourceText": "20260120 1405 ET"},
        "receivedAt": "2026-01-20T19:06:12Z",
        "location": {"name": "Consignee DC",
                     "address": {"city": "Columbus", "region": "OH", "postalCode": "43215",
                                 "countryCode": "US"},
                     "geo": {"lat": 39.9612, "lon": -82.9988}},
        "equipment": {"initial": "ACME", "number": "530127", "id": "ACME530127", "typeCode": "TL"},
        "conveyance": {"mode": "ROAD", "carrierScac": "ACME", "plate": "OH-ABC1234"},
        "parties": [{"role": "CARRIER", "name": "Acme Freight",
                     "ids": [{"scheme": "SCAC", "value": "ACME"}]},
                    {"role": "CONSIGNEE", "name": "Buckeye Retail DC",
                     "ids": [{"scheme": "DUNS", "value": "123456789"}], "sourceRole": "CN"}],
        "measurements": [{"kind": "grossWeight", "value": "1234.5", "unit": "KGM",
                          "source": {"value": "2721.6", "unit": "L"}},
                         {"kind": "pieceCount", "value": 12, "unit": "H87"}],
        "eta": {"localDate": "2026-01-20", "precision": "date", "sourceText": "20260120"},
        "stop": {"sequence": 2, "role": "DELIVERY",
                 "appointment": {"start": {"instant": "2026-01-20T14:00:00-05:00", "precision": "minute"},
                                 "end": {"instant": "2026-01-20T16:00:00-05:00", "precision": "minute"}}},
        "provenance": _prov("x12-214"),
        "extensions": {"x12": {"AT7": ["X1", "NS", "", "", "20260120", "1405", "ET"]}},
    }
    return envelope("shipment.status", data, "pro:PRO123456", "2026-01-20T14:05:00-05:00")


def note_example_adapted() -> Event:
    """The DCSA 3.0 example of the model note (§4.4), adapted to the v1 names.

    Adaptations: ``type`` is the registry's CloudEvents type; ``provenance.mappingId``
    became ``mapping`` (name@version); ``measurements`` stays (empty list allowed).
    """
    return {
        "specversion": "1.0",
        "id": "01JH8Z6V7Q5W2N3X4Y5Z6A7B8C",
        "source": "/partners/exco/dcsa-tnt-3.0",
        "type": "org.logistics-gateway.shipment.status.v1",
        "subject": "booking:ABC709951",
        "time": "2026-01-20T12:30:00Z",
        "datacontenttype": "application/json",
        "data": {
            "sourceEventId": "evt-trans-001-2026-01-20T12:30:00Z",
            "sourceEventVersion": "2025-01-25T01:23:45Z",
            "retracted": False,
            "eventClass": "TRANSPORT",
            "classifier": "ACTUAL",
            "status": {"code": "IN_TRANSIT", "reason": "NORMAL",
                       "source": {"system": "DCSA", "code": "ARRI", "description": "Arrived"}},
            "subject": {"type": "shipment", "value": "ABC709951"},
            "identifiers": [{"type": "booking", "value": "ABC709951"},
                            {"type": "bol", "value": "HHL71800000"}],
            "occurredAt": {"instant": "2026-01-20T12:30:00Z", "precision": "instant",
                           "sourceText": "2026-01-20T12:30:00Z"},
            "receivedAt": "2026-01-20T12:31:02Z",
            "location": {"unlocode": "DEHAM", "name": "Sample Port Terminal",
                         "facility": {"typeCode": "POTE"}},
            "conveyance": {"mode": "OCEAN", "vesselImo": "1234567", "vesselName": "Example Vessel Alpha",
                           "voyage": "V001E", "serviceCode": "SVC001"},
            "parties": [{"role": "ORIGINATOR", "ids": [{"scheme": "SMDG", "value": "EXCO"}]}],
            "measurements": [],
            "provenance": {"partnerId": "exco", "sourceFormat": "dcsa-tnt-3.0",
                           "mapping": "dcsa-tnt-3.0-events@1"},
        },
    }


def _loc(name: str, city: str, region: str, zip_: str) -> dict[str, Any]:
    return {"name": name, "address": {"lines": ["1 Main St"], "city": city, "region": region,
                                      "postalCode": zip_, "countryCode": "US"},
            "tz": "America/Chicago"}


def load_tender() -> Event:
    """X12 204 original tender with two stops."""
    data = {
        "eventClass": "TENDER", "subject": {"type": "load", "value": "LD-778899"},
        "identifiers": [{"type": "loadId", "value": "LD-778899"}, {"type": "bol", "value": "BOL1"}],
        "purpose": "ORIGINAL", "paymentTerms": "PREPAID",
        "tenderedAt": {"instant": "2026-01-19T08:00:00-06:00", "precision": "minute"},
        "respondBy": {"instant": "2026-01-19T12:00:00-06:00", "precision": "minute"},
        "stops": [
            {"sequence": 1, "role": "PICKUP", "reasonCode": "LD",
             "location": _loc("Plant 1", "Dallas", "TX", "75201"),
             "appointment": {"start": {"localDate": "2026-01-20", "localTime": "08:00", "tz": "America/Chicago",
                                       "precision": "minute"},
                             "end": {"localDate": "2026-01-20", "localTime": "10:00", "tz": "America/Chicago",
                                     "precision": "minute"}},
             "identifiers": [{"type": "purchaseOrder", "value": "PO1"}],
             "measurements": [{"kind": "grossWeight", "value": 10000, "unit": "KGM"}]},
            {"sequence": 2, "role": "DELIVERY", "reasonCode": "UL",
             "location": _loc("DC 7", "Memphis", "TN", "38118"),
             "requested": {"end": {"localDate": "2026-01-21", "precision": "date"}}},
        ],
        "equipment": [{"typeCode": "TL", "description": "53ft dry van"}],
        "measurements": [{"kind": "grossWeight", "value": "10000", "unit": "KGM",
                          "source": {"value": "22046", "unit": "L"}}],
        "charges": [{"code": "400", "type": "LINE_HAUL", "amount": "1450.00", "currency": "USD"}],
        "totalCharge": {"amount": "1450.00", "currency": "USD"},
        "parties": [{"role": "SHIPPER", "name": "Acme Foods"}, {"role": "CARRIER", "ids": [{"scheme": "SCAC", "value": "ACME"}]}],
        "provenance": _prov("x12-204", "acme-204@1"),
    }
    return envelope("load.tender", data, "loadId:LD-778899", "2026-01-19T08:00:00-06:00")


def tender_response() -> Event:
    """X12 990 acceptance."""
    data = {
        "eventClass": "TENDER", "subject": {"type": "load", "value": "LD-778899"},
        "identifiers": [{"type": "loadId", "value": "LD-778899"}],
        "decision": "ACCEPTED", "sourceDecisionCode": "A", "loadId": "LD-778899",
        "respondedAt": {"instant": "2026-01-19T09:12:00-06:00", "precision": "minute"},
        "carrier": {"role": "CARRIER", "ids": [{"scheme": "SCAC", "value": "ACME"}]},
        "provenance": _prov("x12-990", "acme-990@1"),
    }
    return envelope("tender.response", data, "loadId:LD-778899", "2026-01-19T09:12:00-06:00")


def freight_invoice() -> Event:
    """X12 210 invoice."""
    data = {
        "eventClass": "FINANCIAL", "subject": {"type": "invoice", "value": "INV-5501"},
        "identifiers": [{"type": "invoiceNumber", "value": "INV-5501"}, {"type": "pro", "value": "PRO123456"}],
        "invoiceNumber": "INV-5501", "invoiceDate": {"localDate": "2026-01-22", "precision": "date"},
        "purpose": "ORIGINAL", "paymentTerms": "PREPAID", "currency": "USD",
        "charges": [{"code": "400", "description": "line haul", "type": "LINE_HAUL", "amount": "1450.00"},
                    {"code": "FUE", "description": "fuel surcharge", "type": "FUEL", "amount": 210.25,
                     "rate": "0.145", "rateBasis": "PCT"}],
        "total": {"amount": "1660.25", "currency": "USD"},
        "measurements": [{"kind": "grossWeight", "value": "10000", "unit": "KGM"}],
        "provenance": _prov("x12-210", "acme-210@1"),
    }
    return envelope("freight.invoice", data, "invoiceNumber:INV-5501", "2026-01-22T00:00:00Z")


def ship_notice() -> Event:
    """X12 856 / DESADV with one pallet holding two cases."""
    item = {"lineNumber": "000010", "sku": "SKU-1", "gtin": "00012345678905", "quantity": "24.000",
            "quantityUnit": "EA"}
    data = {
        "eventClass": "SHIPMENT", "subject": {"type": "shipment", "value": "ASN-1001"},
        "identifiers": [{"type": "shipmentId", "value": "ASN-1001"}, {"type": "deliveryNumber", "value": "80000123"}],
        "purpose": "ORIGINAL",
        "shippedAt": {"instant": "2026-01-20T07:30:00+01:00", "precision": "minute"},
        "estimatedDelivery": {"localDate": "2026-01-22", "precision": "date"},
        "shipFrom": {"gln": "4012345000009"}, "shipTo": {"gln": "4098765000002"},
        "orders": [{"purchaseOrder": "4500012345", "packIds": ["000123456789012345"]}],
        "packs": [{"sscc": "000123456789012345", "level": "PALLET"},
                  {"sscc": "000123456789012352", "level": "CASE", "parentId": "000123456789012345",
                   "items": [item]}],
        "measurements": [{"kind": "netWeight", "value": "3.000", "unit": "KGM",
                          "source": {"value": "3000", "unit": "G"}}],
        "provenance": _prov("sap-idoc-delvry03", "sap-desadv@2"),
    }
    return envelope("ship.notice", data, "shipmentId:ASN-1001", "2026-01-20T07:30:00+01:00")


def order() -> Event:
    """X12 940 warehouse shipping order."""
    data = {
        "eventClass": "ORDER", "subject": {"type": "order", "value": "SO-42"},
        "identifiers": [{"type": "orderNumber", "value": "SO-42"}],
        "kind": "WAREHOUSE_SHIPPING", "action": "CREATE", "orderNumber": "SO-42",
        "orderDate": {"localDate": "2026-01-18", "precision": "date"},
        "requestedShip": {"start": {"localDate": "2026-01-19", "precision": "date"}},
        "shipTo": _loc("Store 12", "Austin", "TX", "78701"),
        "incoterms": {"code": "FCA", "place": "Dallas"},
        "lines": [{"lineNumber": "1", "sku": "SKU-1", "quantityOrdered": 10, "quantityUnit": "CS"}],
        "provenance": _prov("x12-940", "wms-940@1"),
    }
    return envelope("order", data, "orderNumber:SO-42", "2026-01-18T00:00:00Z")


def warehouse_advice() -> Event:
    """X12 945 response to the 940."""
    data = {
        "eventClass": "WAREHOUSE", "subject": {"type": "order", "value": "SO-42"},
        "identifiers": [{"type": "orderNumber", "value": "SO-42"}, {"type": "bol", "value": "BOL77"}],
        "orderNumber": "SO-42",
        "shippedAt": {"instant": "2026-01-19T15:20:00-06:00", "precision": "minute"},
        "lines": [{"lineNumber": "1", "sku": "SKU-1", "quantityOrdered": 10, "quantityShipped": 9,
                   "quantityUnit": "CS"}],
        "packs": [{"sscc": "000123456789012369", "trackingNumber": "1Z999"}],
        "provenance": _prov("x12-945", "wms-945@1"),
    }
    return envelope("warehouse.advice", data, "orderNumber:SO-42", "2026-01-19T15:20:00-06:00")


def delivery_confirmation() -> Event:
    """Proof of delivery with a shortage."""
    data = {
        "eventClass": "SHIPMENT", "subject": {"type": "shipment", "value": "1Z204W4R0308071865"},
        "identifiers": [{"type": "trackingNumber", "value": "1Z204W4R0308071865"}],
        "deliveredAt": {"instant": "2026-01-21T10:02:00-05:00", "precision": "minute"},
        "location": {"address": {"city": "Boston", "region": "MA", "countryCode": "US"}},
        "signedBy": "J DOE",
        "exceptions": [{"type": "SHORTAGE", "quantity": "1", "lineNumber": "1", "reason": "SHORTAGE"}],
        "provenance": _prov("easypost-tracker", "easypost-tracker@1"),
    }
    return envelope("delivery.confirmation", data, "trackingNumber:1Z204W4R0308071865",
                    "2026-01-21T10:02:00-05:00")


def telemetry_position() -> Event:
    """A Traccar-style position (speed normalised from knots)."""
    data = {
        "eventClass": "TELEMETRY", "subject": {"type": "vehicle", "value": "TRK-17"},
        "identifiers": [{"type": "vehicleId", "value": "TRK-17"}, {"type": "imei", "value": "356938035643809"}],
        "status": {"code": "IGNITION_ON", "source": {"system": "TRACCAR", "code": "ignitionOn"}},
        "occurredAt": {"instant": "2026-01-20T06:00:03Z", "precision": "instant"},
        "fixTime": "2026-01-20T06:00:01Z",
        "device": {"id": "17", "imei": "356938035643809", "protocol": "teltonika"},
        "location": {"geo": {"lat": 52.52, "lon": 13.405, "accuracyM": 5},
                     "geofences": [{"id": "3", "name": "Depot", "event": "INSIDE"}]},
        "speed": {"kind": "speed", "value": 18.52, "unit": "KMH", "source": {"value": 10, "unit": "KNT"}},
        "heading": 270, "ignition": True, "motion": False,
        "odometer": {"kind": "odometer", "value": "120345.6", "unit": "KMT"},
        "provenance": _prov("traccar-forward", "traccar@1"),
        "extensions": {"io69": 1},
    }
    return envelope("telemetry.position", data, "vehicleId:TRK-17", "2026-01-20T06:00:03Z")


def telemetry_reading() -> Event:
    """A DCSA reefer measurement: setpoint, ambient, probe."""
    data = {
        "eventClass": "TELEMETRY", "subject": {"type": "container", "value": "APZU4812090"},
        "identifiers": [{"type": "container", "value": "APZU4812090"}],
        "status": {"code": "READING", "source": {"system": "DCSA", "code": "MEAS"}},
        "occurredAt": {"instant": "2026-01-20T06:00:00Z", "precision": "instant"},
        "equipment": {"id": "APZU4812090", "isoSizeType": "45R1", "temperatureControlled": True},
        "measurements": [
            {"kind": "temperature", "role": "setpoint", "value": -18, "unit": "CEL"},
            {"kind": "temperature", "role": "ambient", "value": "21.5", "unit": "CEL"},
            {"kind": "temperature", "role": "probe1", "value": -17.8, "unit": "CEL",
             "source": {"value": "-0.04", "unit": "FAH"}},
        ],
        "provenance": _prov("dcsa-tnt-3.0", "dcsa-reefer@1"),
    }
    return envelope("telemetry.reading", data, "container:APZU4812090", "2026-01-20T06:00:00Z")


def acknowledgement() -> Event:
    """X12 997 accepting one set and rejecting another."""
    data = {
        "eventClass": "ACKNOWLEDGEMENT", "subject": {"type": "interchange", "value": "000000905"},
        "identifiers": [{"type": "interchangeControlNumber", "value": "000000905"}],
        "ackType": "FUNCTIONAL", "interchangeControlNumber": "000000905", "groupControlNumber": "905",
        "functionalIdentifier": "QM", "groupStatus": "PARTIALLY_ACCEPTED",
        "sets": [{"transactionSetId": "214", "controlNumber": "0001", "status": "ACCEPTED", "sourceCode": "A"},
                 {"transactionSetId": "214", "controlNumber": "0002", "status": "REJECTED", "sourceCode": "R",
                  "errors": [{"level": "SEGMENT", "code": "8", "segmentId": "AT7", "segmentPosition": 4,
                              "elementPosition": 1, "badValue": "ZZ"}]}],
        "provenance": _prov("x12-997", "acme-997@1"),
    }
    return envelope("acknowledgement", data, "interchange:000000905", "2026-01-20T06:00:00Z")


EXAMPLES: dict[str, Callable[[], Event]] = {
    "shipment.status": shipment_status,
    "load.tender": load_tender,
    "tender.response": tender_response,
    "freight.invoice": freight_invoice,
    "ship.notice": ship_notice,
    "order": order,
    "warehouse.advice": warehouse_advice,
    "delivery.confirmation": delivery_confirmation,
    "telemetry.position": telemetry_position,
    "telemetry.reading": telemetry_reading,
    "acknowledgement": acknowledgement,
}
"""Short name -> builder of a fresh, valid example event."""
