"""Admin endpoints: replay, mapping preview and tender decisions, each delegating to a hook the
runtime supplies.

The HTTP layer only authenticates, parses the JSON object and renders the hook's answer; what
"replay" or "preview" means belongs to the pipeline. A hook may be sync or async; it raises
``ValueError`` for a request it cannot serve (answered 422 with the message as detail).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.http.auth import AdminGuard, Keychain, bearer_token
from gateway.http.bodies import parse_json, read_limited
from gateway.http.problems import Problem, problem_response

__all__ = ["AdminHook", "AdminRoutes", "ListingHook"]

AdminHook = Callable[[dict[str, Any]], Awaitable[dict[str, Any]] | dict[str, Any]]
ListingHook = Callable[[Mapping[str, str]], dict[str, Any]]   # a GET's query parameters → the answer
_MAX_ADMIN_BODY = 5 * 1024 * 1024


class AdminRoutes:
    def __init__(self, guard: AdminGuard, replay: AdminHook | None, preview: AdminHook | None,
                 decide: AdminHook | None = None, planners: Keychain | None = None,
                 tenders: ListingHook | None = None) -> None:
        self._guard = guard
        self._replay = replay
        self._preview = preview
        self._decide = decide
        self._planners = planners
        self._tenders = tenders

    def routes(self) -> list[Route]:
        return [Route("/v1/admin/replay", self.replay, methods=["POST"], name="admin_replay"),
                Route("/v1/admin/tender-decisions", self.decide, methods=["POST"], name="tender_decision"),
                Route("/v1/admin/tenders", self.tenders, methods=["GET"], name="load_tenders"),
                Route("/v1/mappings/preview", self.preview, methods=["POST"], name="mapping_preview")]

    async def replay(self, request: Request) -> Response:
        # 202: a replay re-queues messages; the work happens asynchronously.
        return await self._call(request, self._replay, "replay", 202)

    async def decide(self, request: Request) -> Response:
        # 202: the decision is admitted as a message; its 990 leaves through the pipeline.
        return await self._call(request, self._decide, "tender decision", 202, self._decider)

    async def tenders(self, request: Request) -> Response:
        try:
            self._planner(request.headers)
            if self._tenders is None:
                raise Problem("hook-not-configured", "this gateway was started without a tender listing")
            try:
                result = self._tenders(request.query_params)
            except ValueError as exc:
                raise Problem("invalid-request", str(exc)) from None
        except Problem as problem:
            return problem_response(problem, request.scope["path"])
        return Response(orjson.dumps(result), media_type="application/json")

    def _planner(self, headers: Headers) -> str | None:
        """The planner calling, by their own key (which opens the tender endpoints only); None for
        the admin key. Raises the 401/403 problem for anyone else."""
        token = bearer_token(headers.get("authorization"))
        if self._planners is not None and token is not None and not self._guard.is_admin(headers):
            return f"planner:{self._planners.authenticate(token, time.time())}"
        self._guard.require(headers)
        return None

    def _decider(self, headers: Headers) -> Callable[[dict[str, Any]], None]:
        """Who decides, recorded in the body the hook gets: a planner by their own key, or an
        administrator, on behalf of whoever the body names."""
        planner = self._planner(headers)

        def attribute(payload: dict[str, Any]) -> None:
            payload["decided_by"] = planner or f"admin:{payload.get('decided_by') or 'admin-api'}"
        return attribute

    async def preview(self, request: Request) -> Response:
        return await self._call(request, self._preview, "preview", 200)

    async def _call(self, request: Request, hook: AdminHook | None, name: str, status: int,
                    authorize: Callable[[Headers], Callable[[dict[str, Any]], None]] | None = None) -> Response:
        try:
            attribute = None
            if authorize is not None:
                attribute = authorize(request.headers)
            else:
                self._guard.require(request.headers)
            if hook is None:
                raise Problem("hook-not-configured", f"this gateway was started without a {name} handler")
            body = await read_limited(request.receive, None, _MAX_ADMIN_BODY)
            payload = parse_json(body)
            if not isinstance(payload, dict):
                raise Problem("malformed-body", "the body must be a JSON object")
            if attribute is not None:
                attribute(payload)
            try:
                result = hook(payload)
                if inspect.isawaitable(result):
                    result = await result
            except ValueError as exc:
                raise Problem("invalid-request", str(exc)) from None
        except Problem as problem:
            return problem_response(problem, request.scope["path"])
        return Response(orjson.dumps(result), status_code=status, media_type="application/json")
