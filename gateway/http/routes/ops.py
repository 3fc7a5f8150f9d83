"""Operational endpoints: liveness, readiness, Prometheus metrics and the OpenAPI document."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.http.problems import Problem, problem_response
from gateway.store.base import Store
from gateway.telemetry.metrics import CONTENT_TYPE, Metrics

__all__ = ["OpsRoutes"]

log = logging.getLogger(__name__)

# A well-formed ULID that is never issued (its timestamp is the epoch): asking the store for it
# exercises a real read without depending on any stored data.
_PROBE_ID = "00000000000000000000000000"


class OpsRoutes:
    def __init__(self, store: Store, metrics: Metrics, openapi_json: bytes) -> None:
        self._store = store
        self._metrics = metrics
        self._openapi = openapi_json

    def routes(self) -> list[Route]:
        return [Route("/healthz", self.healthz, methods=["GET"], name="healthz"),
                Route("/readyz", self.readyz, methods=["GET"], name="readyz"),
                Route("/metrics", self.metrics, methods=["GET"], name="metrics"),
                Route("/openapi.json", self.openapi, methods=["GET"], name="openapi")]

    async def healthz(self, request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def readyz(self, request: Request) -> Response:
        try:
            self._store.message_history(_PROBE_ID)
        except Exception as exc:  # noqa: BLE001 - any failure of the store means "not ready"; the reason goes to the log
            log.warning("readiness probe: store does not answer: %r", exc)
            return problem_response(Problem("store-unavailable", f"the store does not answer: {type(exc).__name__}"),
                                    request.scope["path"])
        return Response(b'{"status":"ready"}', media_type="application/json")

    async def metrics(self, request: Request) -> Response:
        return Response(self._metrics.render(), media_type=CONTENT_TYPE)

    async def openapi(self, request: Request) -> Response:
        return Response(self._openapi, media_type="application/json")
