"""The composition of the HTTP API: ``create_app`` wires configuration, store and telemetry into routes.

No middleware stack: authentication, rate limiting and size limits are steps inside the admit
endpoint, in the order that makes refusals cheapest, so the hot path pays only for what it uses.
``POST /v1/messages`` does not even pass through Starlette's router and exception middleware
(measured: 15 µs of a 55 µs admit, the router trying each route's pattern in turn); the admit
endpoint answers its own errors, 500 included.
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import yaml
from opentelemetry import trace
from opentelemetry.trace import Tracer
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.config.model import Config
from gateway.config.secrets import read_secret
from gateway.http.auth import AdminGuard, Authenticator, Keychain
from gateway.http.partners import PartnerDirectory
from gateway.http.problems import Problem, problem_response
from gateway.http.ratelimit import RateLimiter, TokenBucketLimiter
from gateway.http.routes.admin import AdminHook, AdminRoutes, ListingHook
from gateway.http.routes.messages import MESSAGES_PATH, MessageRoutes
from gateway.http.routes.ops import OpsRoutes
from gateway.store.base import Store
from gateway.telemetry.metrics import Metrics

__all__ = ["GatewayApp", "create_app", "openapi_document"]

log = logging.getLogger(__name__)


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of this API, kept as data in ``openapi.yaml`` beside this module."""
    text = resources.files("gateway.http").joinpath("openapi.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


async def _not_found(request: Request, exc: Exception) -> Response:
    return problem_response(Problem("not-found", f"nothing is served at {request.scope['path']}"), request.scope["path"])


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    allow = exc.headers.get("Allow", "") if isinstance(exc, HTTPException) and exc.headers else ""
    return problem_response(Problem("method-not-allowed", f"{request.method} is not allowed here; allowed: {allow}",
                                    headers={"Allow": allow}), request.scope["path"])


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.scope["path"], exc_info=exc)
    return problem_response(Problem("internal-error", "an unexpected error occurred; it has been logged"),
                            request.scope["path"])


class GatewayApp(Starlette):
    """The Starlette app, with ``POST /v1/messages`` handed straight to the admit endpoint."""

    def __init__(self, admit: ASGIApp, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._admit = admit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == MESSAGES_PATH and scope["method"] == "POST":
            scope["app"] = self
            await self._admit(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(config: Config, store: Store, metrics: Metrics, *, replay: AdminHook | None = None,
               preview: AdminHook | None = None, decide: AdminHook | None = None,
               tenders: ListingHook | None = None, tracer: Tracer | None = None,
               limiter: RateLimiter | None = None, keys_reload_interval: float = 2.0) -> GatewayApp:
    """The gateway's HTTP API as an ASGI app.

    ``replay``, ``preview``, ``decide`` and ``tenders`` are the admin hooks (see
    ``gateway.http.routes.admin``); without them those endpoints answer 501. ``tracer`` defaults
    to the globally installed provider's (see ``gateway.telemetry.setup_tracing``); ``limiter`` to
    in-process token buckets.
    Secrets and keys files are read here, once: a missing secret fails startup, not a request.
    """
    base_dir = config.source.parent if config.source else None
    directory = PartnerDirectory(config)
    keychain = Keychain({p.id: Path(p.api_keys_file) for p in config.partners.values() if p.api_keys_file},
                        reload_interval=keys_reload_interval)
    admin_ref = config.gateway.admin_key_sha256
    admin = AdminGuard(read_secret(admin_ref, base_dir) if admin_ref else None)
    planners = (Keychain(config.gateway.planners, reload_interval=keys_reload_interval)
                if config.gateway.planners else None)
    messages = MessageRoutes(store, metrics, tracer or trace.get_tracer("gateway.http"),
                             Authenticator(directory, keychain), admin, limiter or TokenBucketLimiter())
    routes = [*messages.routes(), *AdminRoutes(admin, replay, preview, decide, planners, tenders).routes(),
              *OpsRoutes(store, metrics, orjson.dumps(openapi_document())).routes()]
    return GatewayApp(messages.admit, routes=routes,
                      exception_handlers={404: _not_found, 405: _method_not_allowed, Exception: _internal_error})
