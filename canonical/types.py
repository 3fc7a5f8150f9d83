"""TypedDicts mirroring the canonical JSON Schemas (the pipeline passes plain dicts).

Field names and required-ness follow ``canonical/schemas``; a test compares
every TypedDict here with its schema so the two cannot drift. Enumerated
codes are typed as ``str`` (the schemas hold the enums) to keep this module
light; ``Decimal`` fields accept a number or a decimal string.
"""


from typing import Any, Literal, Required, TypedDict

Decimal = int | float | str
"""JSON number, or a decimal string such as "1234.50" (no float rounding)."""
Instant = str
"""RFC 3339 date-time with offset."""
Extensions = dict[str, Any]

Classifier = Literal["ACTUAL", "ESTIMATED", "PLANNED", "REQUESTED"]


class Identifier(TypedDict, total=False):
    type: Required[str]
    value: Required[str]
    issuer: str
    qualifier: str


class Subject(TypedDict):
    type: str
    value: str


class Address(TypedDict, total=False):
    lines: list[str]
    city: str
    region: str
    postalCode: str
    countryCode: str


class Geo(TypedDict, total=False):
    lat: Required[float]
    lon: Required[float]
    accuracyM: float
    altitudeM: float
    crs: Literal["WGS84"]


class Facility(TypedDict, total=False):
    code: str
    codeListProvider: str
    typeCode: str


class Geofence(TypedDict, total=False):
    id: str
    name: str
    event: Literal["ENTER", "EXIT", "INSIDE"]


class PartyId(TypedDict, total=False):
    scheme: Required[str]
    value: Required[str]
    issuer: str


class Location(TypedDict, total=False):
    name: str
    address: Address
    unlocode: str
    gln: str
    facility: Facility
    geo: Geo
    tz: str
    geofences: list[Geofence]
    ids: list[PartyId]


class Contact(TypedDict, total=False):
    name: str
    phone: str
    email: str
    fax: str
    function: str


class Party(TypedDict, total=False):
    role: Required[str]
    name: str
    ids: list[PartyId]
    address: Address
    location: Location
    contacts: list[Contact]
    sourceRole: str


class MeasurementSource(TypedDict, total=False):
    value: int | float | str
    unit: str


class MeasurementStats(TypedDict, total=False):
    min: Decimal
    max: Decimal
    mean: Decimal
    sdev: Decimal
    count: int


class Measurement(TypedDict, total=False):
    kind: Required[str]
    value: Required[Decimal]
    unit: Required[str]
    role: str
    sensorId: str
    observedAt: Instant
    stats: MeasurementStats
    alarm: bool
    qualifier: str
    source: MeasurementSource


class TimeValue(TypedDict, total=False):
    """At least one of ``instant`` / ``localDate`` (enforced by the schema)."""

    instant: Instant
    instantUtc: Instant
    localDate: str
    localTime: str
    tz: str
    utcOffset: str
    precision: Literal["instant", "minute", "date"]
    sourceText: str


class TimeWindow(TypedDict, total=False):
    start: TimeValue
    end: TimeValue
    qualifier: str


class StatusSource(TypedDict, total=False):
    system: Required[str]
    code: str
    reasonCode: str
    description: str


class Status(TypedDict, total=False):
    code: Required[str]
    reason: str
    source: StatusSource


class Money(TypedDict, total=False):
    amount: Required[Decimal]
    currency: str


class Charge(TypedDict, total=False):
    code: str
    description: str
    amount: Required[Decimal]
    currency: str
    quantity: Decimal
    rate: Decimal
    rateBasis: str
    type: str
    lineNumber: str


class Equipment(TypedDict, total=False):
    id: str
    initial: str
    number: str
    isoSizeType: str
    typeCode: str
    description: str
    loadState: Literal["EMPTY", "LADEN"]
    seals: list[str]
    temperatureControlled: bool
    measurements: list["Measurement"]


class Conveyance(TypedDict, total=False):
    mode: str
    modeCode: str
    vehicleId: str
    plate: str
    driver: str
    vesselImo: str
    vesselName: str
    callSign: str
    voyage: str
    serviceCode: str
    flightNumber: str
    trainNumber: str
    carrierScac: str


class Stop(TypedDict, total=False):
    sequence: int
    role: str
    reasonCode: str
    location: Location
    appointment: TimeWindow
    requested: TimeWindow
    plannedArrival: TimeValue
    plannedDeparture: TimeValue
    actualArrival: TimeValue
    actualDeparture: TimeValue
    identifiers: list[Identifier]
    parties: list[Party]
    measurements: list[Measurement]
    items: list["LineItem"]
    instructions: list[str]


class Note(TypedDict, total=False):
    qualifier: str
    text: Required[str]


class Provenance(TypedDict, total=False):
    partnerId: Required[str]
    channel: str
    mapping: str
    rawMessageId: str
    sourceFormat: Required[str]
    interchangeControlNumber: str
    transactionSetControlNumber: str


class LineItem(TypedDict, total=False):
    lineNumber: str
    sku: str
    gtin: str
    buyerPartNumber: str
    vendorPartNumber: str
    description: str
    quantity: Decimal
    quantityUnit: str
    quantityOrdered: Decimal
    quantityShipped: Decimal
    quantityConfirmed: Decimal
    quantityBackordered: Decimal
    unitPrice: Money
    lotNumber: str
    serialNumbers: list[str]
    expiryDate: str
    status: str
    requestedDate: TimeValue
    confirmedDate: TimeValue
    identifiers: list[Identifier]
    measurements: list[Measurement]
    extensions: Extensions


class EventDataBase(TypedDict, total=False):
    """Members every event type's ``data`` has."""

    eventClass: Required[str]
    subject: Required[Subject]
    identifiers: Required[list[Identifier]]
    provenance: Required[Provenance]
    sourceEventId: str
    sourceEventVersion: Instant
    retracted: bool
    recordedAt: Instant
    receivedAt: Instant
    parties: list[Party]
    remarks: str
    notes: list[Note]
    extensions: Extensions


class ShipmentStatusData(EventDataBase, total=False):
    status: Required[Status]
    classifier: Required[Classifier]
    occurredAt: Required[TimeValue]
    location: Location
    equipment: Equipment
    conveyance: Conveyance
    measurements: list[Measurement]
    eta: TimeValue
    originalEta: TimeValue
    stop: Stop
    appointment: TimeWindow
    signedBy: str
    previousStatus: Status


class LoadTenderData(EventDataBase, total=False):
    purpose: Required[Literal["ORIGINAL", "CANCEL", "CHANGE", "CONFIRMATION"]]
    stops: Required[list[Stop]]
    tenderedAt: TimeValue
    respondBy: TimeValue
    paymentTerms: str
    equipment: list[Equipment]
    conveyance: Conveyance
    measurements: list[Measurement]
    charges: list[Charge]
    totalCharge: Money
    items: list[LineItem]
    serviceLevel: str
    hazardous: bool


class TenderResponseData(EventDataBase, total=False):
    decision: Required[Literal["ACCEPTED", "DECLINED", "CONDITIONAL"]]
    loadId: Required[str]
    reason: str
    reasonText: str
    sourceDecisionCode: str
    respondedAt: TimeValue
    carrier: Party
    pickupAt: TimeValue


class FreightInvoiceData(EventDataBase, total=False):
    invoiceNumber: Required[str]
    total: Required[Money]
    invoiceDate: TimeValue
    dueDate: TimeValue
    purpose: str
    paymentTerms: str
    currency: str
    charges: list[Charge]
    measurements: list[Measurement]
    stops: list[Stop]
    equipment: list[Equipment]
    shippedAt: TimeValue
    deliveredAt: TimeValue


class AsnPack(TypedDict, total=False):
    sscc: str
    id: str
    level: str
    packagingCode: str
    parentId: str
    trackingNumber: str
    orderNumber: str
    measurements: list[Measurement]
    items: list[LineItem]


class AsnOrder(TypedDict, total=False):
    orderNumber: str
    purchaseOrder: str
    orderDate: TimeValue
    identifiers: list[Identifier]
    items: list[LineItem]
    packIds: list[str]


class ShipNoticeData(EventDataBase, total=False):
    shippedAt: TimeValue
    purpose: str
    estimatedDelivery: TimeValue
    shipFrom: Location
    shipTo: Location
    conveyance: Conveyance
    equipment: list[Equipment]
    measurements: list[Measurement]
    orders: list[AsnOrder]
    packs: list[AsnPack]
    items: list[LineItem]


class Incoterms(TypedDict, total=False):
    code: Required[str]
    place: str


class OrderData(EventDataBase, total=False):
    kind: Required[Literal["PURCHASE", "SALES", "WAREHOUSE_SHIPPING", "TRANSFER", "RETURN"]]
    orderNumber: Required[str]
    action: str
    orderDate: TimeValue
    requestedShip: TimeWindow
    requestedDelivery: TimeWindow
    confirmedShip: TimeValue
    confirmedDelivery: TimeValue
    shipFrom: Location
    shipTo: Location
    paymentTerms: str
    incoterms: Incoterms
    carrier: Party
    serviceLevel: str
    lines: list[LineItem]
    measurements: list[Measurement]
    total: Money
    status: str


class WarehousePack(TypedDict, total=False):
    sscc: str
    id: str
    trackingNumber: str
    measurements: list[Measurement]
    items: list[LineItem]


class WarehouseAdviceData(EventDataBase, total=False):
    orderNumber: Required[str]
    shippedAt: Required[TimeValue]
    depositorOrderNumber: str
    shipTo: Location
    shipFrom: Location
    carrier: Party
    conveyance: Conveyance
    lines: list[LineItem]
    packs: list[WarehousePack]
    measurements: list[Measurement]


class DeliveryException(TypedDict, total=False):
    type: Required[str]
    reason: str
    description: str
    quantity: Decimal
    lineNumber: str
    sourceCode: str


class DeliveryConfirmationData(EventDataBase, total=False):
    deliveredAt: Required[TimeValue]
    location: Location
    signedBy: str
    signatureRef: str
    documentRefs: list[str]
    exceptions: list[DeliveryException]
    measurements: list[Measurement]
    items: list[LineItem]


class Device(TypedDict, total=False):
    id: str
    imei: str
    name: str
    model: str
    protocol: str
    batteryLevel: float


class TelemetryPositionData(EventDataBase, total=False):
    occurredAt: Required[TimeValue]
    location: Required[Location]
    status: Status
    deviceTime: Instant
    fixTime: Instant
    device: Device
    vehicle: Conveyance
    speed: Measurement
    heading: float
    odometer: Measurement
    ignition: bool
    motion: bool
    valid: bool
    measurements: list[Measurement]
    equipment: Equipment


class TelemetryReadingData(EventDataBase, total=False):
    occurredAt: Required[TimeValue]
    measurements: Required[list[Measurement]]
    status: Status
    device: Device
    equipment: Equipment
    vehicle: Conveyance
    location: Location


class AckError(TypedDict, total=False):
    level: str
    code: Required[str]
    description: str
    segmentId: str
    segmentPosition: int
    loopId: str
    elementPosition: int
    componentPosition: int
    elementReference: str
    badValue: str


class AckSet(TypedDict, total=False):
    transactionSetId: str
    controlNumber: Required[str]
    status: Required[str]
    sourceCode: str
    errors: list[AckError]


class AcknowledgementData(EventDataBase, total=False):
    groupControlNumber: Required[str]
    groupStatus: Required[str]
    ackType: str
    interchangeControlNumber: str
    functionalIdentifier: str
    acknowledgedAt: TimeValue
    sets: list[AckSet]
    errors: list[AckError]


class CloudEvent(TypedDict, total=False):
    """The envelope (CloudEvents 1.0 structured mode + gateway extensions)."""

    specversion: Required[Literal["1.0"]]
    id: Required[str]
    source: Required[str]
    type: Required[str]
    time: Required[Instant]
    data: Required[dict[str, Any]]
    subject: str
    datacontenttype: Literal["application/json"]
    dataschema: str
    partner: str
    mapping: str
    rawmessageid: str
    traceparent: str
    tracestate: str
    partitionkey: str


DATA_TYPES: dict[str, type] = {
    "shipment.status": ShipmentStatusData,
    "load.tender": LoadTenderData,
    "tender.response": TenderResponseData,
    "freight.invoice": FreightInvoiceData,
    "ship.notice": ShipNoticeData,
    "order": OrderData,
    "warehouse.advice": WarehouseAdviceData,
    "delivery.confirmation": DeliveryConfirmationData,
    "telemetry.position": TelemetryPositionData,
    "telemetry.reading": TelemetryReadingData,
    "acknowledgement": AcknowledgementData,
}
"""Event short name -> TypedDict of its ``data``."""

DEF_TYPES: dict[str, type] = {
    "Identifier": Identifier, "Subject": Subject, "Address": Address, "Geo": Geo,
    "Facility": Facility, "Geofence": Geofence, "PartyId": PartyId, "Location": Location,
    "Contact": Contact, "Party": Party, "MeasurementSource": MeasurementSource,
    "MeasurementStats": MeasurementStats, "Measurement": Measurement, "TimeValue": TimeValue,
    "TimeWindow": TimeWindow, "StatusSource": StatusSource, "Status": Status, "Money": Money,
    "Charge": Charge, "Equipment": Equipment, "Conveyance": Conveyance, "Stop": Stop,
    "Note": Note, "Provenance": Provenance, "LineItem": LineItem, "AsnPack": AsnPack,
    "AsnOrder": AsnOrder, "WarehousePack": WarehousePack, "DeliveryException": DeliveryException,
    "Device": Device, "AckSet": AckSet, "AckError": AckError,
}
"""``$defs`` name -> TypedDict, for the drift test."""
