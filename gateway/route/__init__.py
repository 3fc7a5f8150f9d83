"""Routing: which targets receive a canonical event, decided by the configuration's routes."""

from gateway.route.router import RouteDecision, Router

__all__ = ["RouteDecision", "Router"]
