"""Match events against configured routes.

A route matches when every given criterion holds: the event type is one of ``types`` (a short
name such as ``shipment.status``, or a CloudEvents type; ``*`` wildcards allowed, e.g.
``org.logistics-gateway.*``), the message's partner is one of
``partners``, and for each ``where`` entry the value at the dotted event path (``data.status.code``,
list items by index) is one of the accepted values. An event goes to the union of the matched
routes' targets, each once, in configuration order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from canonical.events import EVENT_TYPES
from gateway.config.model import Route, RouteMatch

_MISSING = object()


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """The targets an event goes to and the routes that sent it there (for the audit)."""

    targets: tuple[str, ...]
    routes: tuple[str, ...]


def _at(event: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = event
    for step in path:
        if isinstance(node, Mapping):
            node = node.get(step, _MISSING)
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return _MISSING
        if node is _MISSING:
            return _MISSING
    return node


class _CompiledRoute:
    def __init__(self, route: Route) -> None:
        m: RouteMatch = route.match
        self.route = route
        # Short names (shipment.status) are what authors write; events carry the CloudEvents type.
        self.exact_types = frozenset(EVENT_TYPES[t].ce_type if t in EVENT_TYPES else t for t in m.types if "*" not in t)
        self.type_patterns = tuple(t for t in m.types if "*" in t)
        self.any_type = not m.types
        self.partners = frozenset(m.partners)
        self.where = tuple((tuple(path.split(".")), accepted) for path, accepted in m.where)

    def matches(self, event: Mapping[str, Any], partner: str) -> bool:
        etype = event.get("type", "")
        if not (self.any_type or etype in self.exact_types
                or any(fnmatchcase(etype, p) for p in self.type_patterns)):
            return False
        if self.partners and partner not in self.partners:
            return False
        return all(_at(event, path) in accepted for path, accepted in self.where)


class Router:
    """Immutable once built; share one per configuration."""

    def __init__(self, routes: Sequence[Route]) -> None:
        self._routes = tuple(_CompiledRoute(r) for r in routes)

    def decide(self, event: Mapping[str, Any], partner: str) -> RouteDecision:
        targets: dict[str, None] = {}
        names = []
        for r in self._routes:
            if r.matches(event, partner):
                names.append(r.route.name)
                targets.update(dict.fromkeys(r.route.to))
        return RouteDecision(tuple(targets), tuple(names))
