"""Routes from configuration: type (with wildcards), partner and dotted-path conditions."""

from __future__ import annotations

from typing import Any

from gateway.config.model import Route, RouteMatch
from gateway.route import Router

STATUS = "org.logistics-gateway.shipment.status.v1"


def event(code: str = "DELIVERED", etype: str = STATUS) -> dict[str, Any]:
    return {"type": etype, "data": {"status": {"code": code}, "identifiers": [{"type": "trackingNumber"}]}}


def test_a_route_without_criteria_takes_every_event() -> None:
    assert Router([Route("all", RouteMatch(), ("erp",))]).decide(event(), "acme").targets == ("erp",)


def test_a_type_wildcard_matches_the_event_family() -> None:
    router = Router([Route("shipments", RouteMatch(types=("org.logistics-gateway.shipment.*",)), ("erp",))])
    assert router.decide(event(), "acme").targets == ("erp",)
    assert router.decide(event(etype="org.logistics-gateway.order.v1"), "acme").targets == ()


def test_a_partner_criterion_limits_the_route_to_those_partners() -> None:
    router = Router([Route("acme-only", RouteMatch(partners=("acme",)), ("erp",))])
    assert router.decide(event(), "acme").targets == ("erp",)
    assert router.decide(event(), "globex").targets == ()


def test_a_where_condition_compares_the_value_at_a_dotted_path() -> None:
    router = Router([Route("delivered", RouteMatch(where=(("data.status.code", ("DELIVERED", "AVAILABLE")),)),
                           ("crm",))])
    assert router.decide(event("DELIVERED"), "acme").targets == ("crm",)
    assert router.decide(event("IN_TRANSIT"), "acme").targets == ()


def test_a_where_path_can_index_into_lists() -> None:
    router = Router([Route("tracked", RouteMatch(where=(("data.identifiers.0.type", ("trackingNumber",)),)),
                           ("erp",))])
    assert router.decide(event(), "acme").targets == ("erp",)


def test_a_missing_path_does_not_match() -> None:
    router = Router([Route("r", RouteMatch(where=(("data.nothing.here", ("x",)),)), ("erp",))])
    assert router.decide(event(), "acme").targets == ()


def test_targets_of_several_matching_routes_are_joined_once_each_in_order() -> None:
    router = Router([Route("a", RouteMatch(), ("erp", "tms")), Route("b", RouteMatch(types=(STATUS,)), ("tms", "crm"))])
    decision = router.decide(event(), "acme")
    assert decision.targets == ("erp", "tms", "crm") and decision.routes == ("a", "b")


def test_a_route_may_name_the_event_type_by_its_short_name():
    from gateway.config.model import Route, RouteMatch
    from gateway.route import Router
    router = Router([Route("short", RouteMatch(types=("shipment.status",)), ("erp",))])
    decision = router.decide({"type": "org.logistics-gateway.shipment.status.v1", "data": {}}, "acme")
    assert decision.targets == ("erp",)
