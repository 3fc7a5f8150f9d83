"""load.tender → tender.response → 990 → x12-990 mapping gives back the same response."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from adapters.x12 import decode_x12
from adapters.x12_out import OutboundError, build_990, respond_to_tender
from canonical.validate import CanonicalValidator

from .conftest import FIXTURES, comparable

WHEN = datetime(2026, 1, 12, 9, 5, tzinfo=UTC)
PICKUP = {"instant": "2026-01-13T08:00:00-05:00", "instantUtc": "2026-01-13T13:00:00Z", "utcOffset": "-05:00",
          "precision": "instant", "tz": "America/New_York", "localDate": "2026-01-13", "localTime": "08:00:00",
          "sourceText": "20260113 0800"}


@pytest.fixture(scope="module")
def tender(translate):
    [data] = translate((FIXTURES / "hand-204-two-stops-kg.edi").read_bytes())
    return data


def test_an_acceptance_with_pick_up_time_comes_back_unchanged(tender, translate, settings, control_numbers):
    response = respond_to_tender(tender, "ACCEPTED", "ABCD", date(2026, 1, 12), pickup_at=PICKUP)
    [again] = translate(build_990([response], settings, control_numbers, WHEN))
    assert comparable(again, "sourceEventId") == response


def test_a_decline_keeps_its_reason_and_long_reason_text(tender, translate, settings, control_numbers):
    text = "No tractor available in Toledo until Thursday morning because of a breakdown on the previous load"
    response = respond_to_tender(tender, "DECLINED", "ABCD", date(2026, 1, 12), reason="MECHANICAL_BREAKDOWN",
                                 reason_text=text)
    [again] = translate(build_990([response], settings, control_numbers, WHEN))
    assert comparable(again, "sourceEventId") == response
    assert (again["decision"], again["reason"], again["reasonText"]) == ("DECLINED", "MECHANICAL_BREAKDOWN", text)


def test_the_response_answers_with_the_tenders_shipment_id_and_echoes_its_references(tender, settings, control_numbers):
    response = respond_to_tender(tender, "ACCEPTED", "ABCD", date(2026, 1, 12))
    tree = decode_x12(build_990([response], settings, control_numbers, WHEN)).documents[0].tree["set"]
    assert tree["B1"] == [{"B101": "ABCD", "B102": "LD-20260112-7", "B103": "20260112", "B104": "A"}]
    assert tree["N9"] == [{"N901": "BM", "N902": "BOL778899"}, {"N901": "PO", "N902": "PO-45001"}]


def test_a_response_is_a_valid_canonical_tender_response(tender):
    response = respond_to_tender(tender, "DECLINED", "ABCD", date(2026, 1, 12), reason="DRIVER_RELATED")
    CanonicalValidator().validate_data("tender.response", {**response, "provenance": {"partnerId": "acme",
                                                                                     "sourceFormat": "gateway"}})


def test_several_responses_go_in_one_interchange_with_a_set_each(tender, translate, settings, control_numbers):
    accept = respond_to_tender(tender, "ACCEPTED", "ABCD", date(2026, 1, 12))
    decline = respond_to_tender({**tender, "subject": {"type": "load", "value": "LD-2"}}, "DECLINED", "ABCD",
                                date(2026, 1, 12))
    body = build_990([accept, decline], settings, control_numbers, WHEN)
    result = decode_x12(body)
    assert result.errors == [] and [d.set_id for d in result.documents] == ["990", "990"]
    assert [r["decision"] for r in translate(body)] == ["ACCEPTED", "DECLINED"]


def test_a_counter_offer_cannot_be_sent_as_a_990(tender, settings, control_numbers):
    response = respond_to_tender(tender, "CONDITIONAL", "ABCD", date(2026, 1, 12))
    with pytest.raises(OutboundError, match="cannot say CONDITIONAL"):
        build_990([response], settings, control_numbers, WHEN)
