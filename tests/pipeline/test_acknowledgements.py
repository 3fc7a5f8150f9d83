"""Matching inbound functional acknowledgements to the interchanges the gateway sent."""

from __future__ import annotations

from gateway.pipeline.acknowledgements import ACK_TYPE, AcknowledgementMatcher

SENT = {17: {"id": 17, "target": "acme-edi", "message_id": "01JSENT", "event_id": "e-1", "status": "delivered"}}


def ack(group: str, status: str = "REJECTED") -> dict:
    return {"id": "ack-1", "type": ACK_TYPE, "data": {"groupControlNumber": group, "groupStatus": status}}


def test_an_acknowledgement_from_the_targets_partner_is_recorded_on_the_sent_message():
    records = AcknowledgementMatcher({"acme-edi": "acme"}, SENT.get)(ack("17"), "acme", "01JACK")
    assert [(r.message_id, r.stage) for r in records] == [("01JSENT", "x12-acknowledged"), ("01JACK", "x12-acknowledges")]
    assert records[0].detail["status"] == "REJECTED" and records[0].detail["outbox_id"] == 17


def test_another_partners_acknowledgement_is_not_matched():
    assert AcknowledgementMatcher({"acme-edi": "acme"}, SENT.get)(ack("17"), "globex", "01JACK") == []


def test_an_acknowledgement_of_an_unknown_group_is_not_matched():
    assert AcknowledgementMatcher({"acme-edi": "acme"}, SENT.get)(ack("99"), "acme", "01JACK") == []


def test_other_events_are_ignored():
    event = {"type": "org.logistics-gateway.shipment.status.v1", "data": {"groupControlNumber": "17"}}
    assert AcknowledgementMatcher({"acme-edi": "acme"}, SENT.get)(event, "acme", "01JACK") == []
