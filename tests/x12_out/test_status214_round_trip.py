"""shipment.status → 214 → x12-214 mapping gives back the same events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from adapters.x12 import Delimiters, Party, decode_x12
from adapters.x12_out import OutboundError, PartnerSettings, build_214

from .conftest import CORPUS, comparable

WHEN = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
ACCEPTED_214S = ["alnk-214-single-line", "canadapost-214-multi-st", "cleo-epes-214", "edifabric-214-shipment-status",
                 "scalax12-214-tilde-element-caret-term", "stedi-fedex-ground-214"]


def _status(code: str = "DELIVERED", classifier: str = "ACTUAL", **extra: object) -> dict:
    data = {"eventClass": "SHIPMENT", "subject": {"type": "shipment", "value": "PRO777"},
            "identifiers": [{"type": "pro", "value": "PRO777", "qualifier": "B1001"}],
            "parties": [{"role": "CARRIER", "ids": [{"scheme": "SCAC", "value": "ABCD"}]}],
            "status": {"code": code}, "classifier": classifier,
            "occurredAt": {"instant": "2026-03-02T14:30:00+01:00", "instantUtc": "2026-03-02T13:30:00Z",
                           "utcOffset": "+01:00", "precision": "instant"}}
    data.update(extra)
    return data


def _key(event: dict) -> str:
    return json.dumps(comparable(event), sort_keys=True)


@pytest.mark.parametrize("name", ACCEPTED_214S)
def test_every_accepted_corpus_214_comes_back_as_the_same_events(name, translate, settings, control_numbers):
    original = translate((CORPUS / "214" / f"{name}.edi").read_bytes())
    again = translate(build_214(original, settings, control_numbers, WHEN))
    assert sorted(map(_key, again)) == sorted(map(_key, original))


def test_generated_214_passes_the_readers_4010_guide(translate, settings, control_numbers):
    events = translate((CORPUS / "214" / "alnk-214-single-line.edi").read_bytes())
    result = decode_x12(build_214(events, settings, control_numbers, WHEN))
    assert result.errors == [] and all(d.accepted for d in result.documents)


def test_one_lx_and_one_at7_loop_per_event_in_one_set_per_shipment(translate, settings, control_numbers):
    events = translate((CORPUS / "214" / "alnk-214-single-line.edi").read_bytes())
    documents = decode_x12(build_214(events, settings, control_numbers, WHEN)).documents
    assert len(documents) == 1
    loops = documents[0].tree["set"]["LX_loop"]
    assert [len(lx["AT7_loop"]) for lx in loops] == [1, 1, 1, 1]


def test_control_numbers_come_from_the_callers_counter(settings, control_numbers):
    body = build_214([_status()], settings, control_numbers, WHEN)
    tree = decode_x12(body).documents[0].tree
    assert control_numbers.calls == [("acme", "interchange"), ("acme", "group"), ("acme", "set")]
    assert (tree["interchange"]["control_number"], tree["group"]["control_number"], tree["set"]["control_number"]) == \
        ("000000041", "41", "0041")


def test_partner_envelope_settings_are_used(translate, control_numbers):
    partner = PartnerSettings(partner="bigbox", sender=Party("02", "ABCD"), receiver=Party("01", "123456789"),
                              delimiters=Delimiters("|", "^", "\n", None), version="00401", group_version="004010",
                              usage="T", line_break="")
    body = build_214([_status()], partner, control_numbers, WHEN)
    tree = decode_x12(body).documents[0].tree
    assert body.startswith(b"ISA|00|") and b"\nGS|QM|ABCD|123456789|" in body
    assert (tree["interchange"]["receiver_qualifier"], tree["interchange"]["usage"]) == ("01", "T")
    assert translate(body)[0]["status"]["code"] == "DELIVERED"


def test_an_instant_in_a_zone_without_time_code_is_sent_in_utc_and_keeps_its_instant(translate, settings, control_numbers):
    [event] = translate(build_214([_status()], settings, control_numbers, WHEN))
    assert event["occurredAt"]["instantUtc"] == "2026-03-02T13:30:00Z"
    assert event["extensions"]["x12TimeCode"] == "UT"


def test_a_status_from_another_system_gets_the_x12_code_of_its_classifier(translate, settings, control_numbers):
    estimated = _status("DELIVERED", "ESTIMATED")
    [event] = translate(build_214([estimated], settings, control_numbers, WHEN))
    assert (event["status"]["source"]["code"], event["classifier"], event["status"]["code"]) == ("AG", "ESTIMATED", "DELIVERED")


def test_a_canonical_reason_is_sent_as_its_at702_code(translate, settings, control_numbers):
    late = _status("DELIVERY_ATTEMPTED", status={"code": "DELIVERY_ATTEMPTED", "reason": "MECHANICAL_BREAKDOWN"})
    [event] = translate(build_214([late], settings, control_numbers, WHEN))
    assert event["status"]["reason"] == "MECHANICAL_BREAKDOWN" and event["status"]["source"]["reasonCode"] == "AI"


def test_a_local_time_is_sent_with_lt_and_stays_local(translate, settings, control_numbers):
    local = _status(occurredAt={"localDate": "2026-03-02", "localTime": "09:15:00", "precision": "minute"})
    [event] = translate(build_214([local], settings, control_numbers, WHEN))
    assert event["occurredAt"] == {"localDate": "2026-03-02", "localTime": "09:15:00", "precision": "minute",
                                   "sourceText": "20260302 0915"}


def test_a_shipment_without_a_carrier_scac_is_refused(control_numbers):
    no_scac = PartnerSettings(partner="acme", sender=Party("ZZ", "US"), receiver=Party("ZZ", "THEM"))
    with pytest.raises(OutboundError, match="no carrier SCAC"):
        build_214([_status(parties=[])], no_scac, control_numbers, WHEN)


def test_a_value_holding_a_delimiter_is_refused_not_written(settings, control_numbers):
    with pytest.raises(OutboundError, match="delimiter"):
        build_214([_status(location={"address": {"city": "A*B", "region": "NY"}})], settings, control_numbers, WHEN)


def test_a_planned_appointment_goes_back_as_at703_and_stays_planned(translate, settings, control_numbers):
    appointment = _status("ARRIVED_DELIVERY", "PLANNED", status={"code": "ARRIVED_DELIVERY", "source": {"system": "X12", "code": "AB"}})
    [event] = translate(build_214([appointment], settings, control_numbers, WHEN))
    assert (event["status"]["code"], event["classifier"], event["status"]["source"]["code"]) == ("ARRIVED_DELIVERY", "PLANNED", "AB")
