"""Tender rules pick the first rule that fits a load tender; a decision document says only what a
tender.response (and a 990) can carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.config.model import RouteMatch, TenderRule
from gateway.decide import DecisionError, TenderRules, decision_document

FIXTURES = Path(__file__).resolve().parents[2] / "mappings" / "x12" / "fixtures"
TENDER = json.loads((FIXTURES / "hand-204-two-stops-kg.expected.jsonl").read_text().splitlines()[0])
STATUS = {"type": "org.logistics-gateway.shipment.status.v1", "id": "s1", "data": {}}


def rule(name: str, decision: str = "ACCEPTED", partners: tuple[str, ...] = (), **where: object) -> TenderRule:
    paths = tuple((path.replace("__", "."), (value,)) for path, value in where.items())
    return TenderRule(name, RouteMatch(("load.tender",), partners, paths), decision)


def test_the_first_rule_that_fits_the_tender_decides() -> None:
    rules = TenderRules([rule("vans-only", "DECLINED", data__equipment__0__typeCode="FT"),
                         rule("acme", partners=("acme",)), rule("everyone-else", "DECLINED")])
    assert rules.rule_for(TENDER, "acme").name == "acme"  # type: ignore[union-attr]
    assert rules.rule_for(TENDER, "globex").name == "everyone-else"  # type: ignore[union-attr]


def test_a_rule_on_a_field_fits_only_tenders_with_that_value() -> None:
    rules = TenderRules([rule("dry-vans", data__equipment__0__typeCode="TV")])
    reefer = {**TENDER, "data": {**TENDER["data"], "equipment": [{"typeCode": "RT"}]}}
    assert rules.rule_for(TENDER, "acme") is not None and rules.rule_for(reefer, "acme") is None


def test_rules_answer_load_tenders_only() -> None:
    assert TenderRules([rule("all")]).rule_for(STATUS, "acme") is None


def test_rules_never_answer_a_cancellation() -> None:
    cancel = {**TENDER, "data": {**TENDER["data"], "purpose": "CANCEL"}}
    assert TenderRules([rule("all")]).rule_for(cancel, "acme") is None


def test_no_rules_answer_nothing() -> None:
    assert not TenderRules([]) and TenderRules([]).rule_for(TENDER, "acme") is None


def test_a_decision_document_carries_the_tender_and_who_decided() -> None:
    doc = decision_document(TENDER, "01JMSG", "DECLINED", "planner:jane", "2026-12-07T20:00:00Z",
                            "DRIVER_UNAVAILABLE", "No driver")
    assert doc["tender"] == {"id": TENDER["id"], "message": "01JMSG", "type": TENDER["type"], "data": TENDER["data"]}
    assert (doc["decision"], doc["decidedBy"], doc["reason"], doc["reasonText"]) == \
        ("DECLINED", "planner:jane", "DRIVER_UNAVAILABLE", "No driver")


@pytest.mark.parametrize(("event", "decision", "reason", "why"), [
    (STATUS, "ACCEPTED", None, "is a org.logistics-gateway.shipment.status.v1, not a load tender"),
    (TENDER, "COUNTER", None, "decision must be one of ACCEPTED, DECLINED, not 'COUNTER'"),
    (TENDER, "DECLINED", "no driver", "reason 'no driver' is not a canonical reason code"),
    (TENDER, "ACCEPTED", "DRIVER_UNAVAILABLE", "a reason goes with a decline, not an acceptance"),
    ({**TENDER, "data": {**TENDER["data"], "purpose": "CANCEL"}}, "ACCEPTED", None,
     "cancels a tender: there is nothing to accept or decline"),
])
def test_a_decision_a_990_cannot_carry_is_refused_with_why(event: dict, decision: str, reason: str | None,
                                                           why: str) -> None:
    with pytest.raises(DecisionError, match=why.replace("(", r"\(").replace(".", r"\.")):
        decision_document(event, "01JMSG", decision, "planner:jane", "2026-12-07T20:00:00Z", reason)
