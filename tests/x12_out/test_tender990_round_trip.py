"""load.tender → a decision → tender.response (the tender-decision mapping, as the gateway runs it)
→ 990 → x12-990 mapping gives back the same response."""

from __future__ import annotations

import string
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from adapters.x12 import Party, decode_x12
from adapters.x12_out import OutboundError, PartnerSettings, build_990
from gateway.cli.common import runner_for
from gateway.decide import decision_document

from .conftest import CONTEXT, FIXTURES, ROOT, comparable

WHEN = datetime(2026, 1, 12, 9, 5, tzinfo=UTC)
PICKUP = {"instant": "2026-01-13T08:00:00-05:00", "instantUtc": "2026-01-13T13:00:00Z", "utcOffset": "-05:00",
          "precision": "instant", "tz": "America/New_York", "localDate": "2026-01-13", "localTime": "08:00:00",
          "sourceText": "20260113 0800"}
LOAD_TENDER = "org.logistics-gateway.load.tender.v1"
Answer = Callable[..., dict[str, Any]]


@pytest.fixture(scope="module")
def tender(translate) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    [data] = translate((FIXTURES / "hand-204-two-stops-kg.edi").read_bytes())
    return {"id": "tender-1", "type": LOAD_TENDER, "data": data}


@pytest.fixture(scope="module")
def answer() -> Answer:
    """A decision on a tender, translated by the tender-decision mapping: the response's data."""
    runner = runner_for([ROOT / "mappings" / "gateway"])

    def decide(tender: dict[str, Any], decision: str, reason: str | None = None, reason_text: str | None = None,
               pickup_at: dict[str, Any] | None = None) -> dict[str, Any]:
        document = decision_document(tender, "01JTENDERMESSAGE0000000000", decision, "planner:test",
                                     "2026-01-12T14:05:00Z", reason, reason_text, pickup_at)
        [event] = runner.translate(orjson.dumps(document), "application/json", "tender-decision", CONTEXT)
        return event["data"]

    return decide


def test_an_acceptance_with_pick_up_time_comes_back_unchanged(tender, answer, translate, settings, control_numbers):
    response = answer(tender, "ACCEPTED", pickup_at=PICKUP)
    [again] = translate(build_990([response], settings, control_numbers, WHEN))
    assert comparable(again, "sourceEventId") == comparable(response, "sourceEventId")


def test_a_decline_keeps_its_reason_and_long_reason_text(tender, answer, translate, settings, control_numbers):
    text = "No tractor available in Toledo until Thursday morning because of a breakdown on the previous load"
    response = answer(tender, "DECLINED", "MECHANICAL_BREAKDOWN", text)
    [again] = translate(build_990([response], settings, control_numbers, WHEN))
    assert comparable(again, "sourceEventId") == comparable(response, "sourceEventId")
    assert (again["decision"], again["reason"], again["reasonText"]) == ("DECLINED", "MECHANICAL_BREAKDOWN", text)


def test_the_response_answers_with_the_tenders_shipment_id_and_echoes_its_references(tender, answer, settings,
                                                                                      control_numbers):
    response = answer(tender, "ACCEPTED")
    tree = decode_x12(build_990([response], settings, control_numbers, WHEN)).documents[0].tree["set"]
    assert tree["B1"] == [{"B101": "ABCD", "B102": "LD-20260112-7", "B103": "20260112", "B104": "A"}]
    assert tree["N9"] == [{"N901": "BM", "N902": "BOL778899"}, {"N901": "PO", "N902": "PO-45001"}]


def test_several_responses_go_in_one_interchange_with_a_set_each(tender, answer, translate, settings,
                                                                  control_numbers):
    other = {**tender, "data": {**tender["data"], "subject": {"type": "load", "value": "LD-2"}}}
    body = build_990([answer(tender, "ACCEPTED"), answer(other, "DECLINED")], settings, control_numbers, WHEN)
    result = decode_x12(body)
    assert result.errors == [] and [d.set_id for d in result.documents] == ["990", "990"]
    assert [r["decision"] for r in translate(body)] == ["ACCEPTED", "DECLINED"]


def test_a_counter_offer_cannot_be_sent_as_a_990(tender, answer, settings, control_numbers):
    response = {**answer(tender, "ACCEPTED"), "decision": "CONDITIONAL"}
    with pytest.raises(OutboundError, match="cannot say CONDITIONAL"):
        build_990([response], settings, control_numbers, WHEN)


REASONS = ["DRIVER_UNAVAILABLE", "MECHANICAL_BREAKDOWN", "TRACTOR_UNAVAILABLE", "TRAILER_CLASS_UNAVAILABLE",
           "WEATHER", "HOLIDAY_CLOSED", "INSUFFICIENT_PICKUP_TIME"]
# K1 free text: what partners type, without the interchange's own separators (* ~ >), in words
# that fit a K1 element (30 characters); a longer word is split across two (see the test below).
TEXT = (st.text(string.ascii_letters + string.digits + " .,-/()#&", min_size=1, max_size=200)
        .filter(str.strip).filter(lambda text: all(len(word) <= 30 for word in text.split())))


@hypothesis_settings(max_examples=40, deadline=None)
@given(decision=st.sampled_from(["ACCEPTED", "DECLINED"]), reason=st.sampled_from(REASONS), text=TEXT,
       load=st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=30).filter(str.strip))
def test_any_decision_a_990_can_carry_comes_back_the_same(tender, answer, translate, decision, reason, text, load):
    tendered = {**tender, "data": {**tender["data"], "subject": {"type": "load", "value": load}}}
    declined = decision == "DECLINED"
    response = answer(tendered, decision, reason if declined else None, text if declined else None)
    partner = PartnerSettings(partner="acme", sender=Party("02", "ABCD"), receiver=Party("ZZ", "ACMESHIPPER"),
                              scac="ABCD")
    [again] = translate(build_990([response], partner, lambda _partner, _kind: 7, WHEN))
    assert comparable(again, "sourceEventId") == comparable(response, "sourceEventId")



def test_a_word_longer_than_a_k1_element_is_sent_split_and_comes_back_with_a_space(tender, answer, translate,
                                                                                     settings, control_numbers):
    # The decline still goes out (refusing it would leave the shipper without an answer); the
    # reader cannot tell a split word from two words, so the text comes back with a space in it.
    response = answer(tender, "DECLINED", "WEATHER", "R" * 31)
    body = build_990([response], settings, control_numbers, WHEN)
    [again] = translate(body)
    assert decode_x12(body).documents[0].tree["set"]["K1"] == [{"K101": "R" * 30, "K102": "R"}]
    assert again["reasonText"] == f"{'R' * 30} R"
