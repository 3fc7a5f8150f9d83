"""A small webhook receiver standing in for an ERP: for the demo, the tests and the benchmark.

It verifies each delivery's ``X-Gateway-Signature``, records it by ``Idempotency-Key`` (counting
repeats as duplicates, as a real receiver deduplicating at-least-once deliveries would), and can be
told to fail: answer the next N requests with a status (optionally with ``Retry-After``), e.g.
``POST /control {"fail_next": 3, "status": 503, "retry_after": 1}``.

Run: ``python -m gateway.receiver --port 9000 --secret-env ERP_WEBHOOK_SECRET``
In-process (tests, benchmark): ``async with serve_app(create_receiver_app(secret)) as url``.
Endpoints: ``POST /events`` (deliveries), ``POST /edi`` (an EDI partner's endpoint, deduplicated
apart from ``/events``), ``GET /received`` (``?keys=0`` for the summary only), ``POST /control``,
``POST /reset``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from gateway.deliver.signing import SIGNATURE_HEADER, verify


@dataclass(slots=True)
class Delivery:
    """One delivery as received. The body is kept as bytes and parsed when read: thousands of parsed
    events held as dicts would make the receiver's own garbage collection pause for hundreds of
    milliseconds, delaying the arrivals a benchmark times."""

    idempotency_key: str
    event_type: str
    traceparent: str | None
    received_at: float
    body: bytes
    media_type: str

    @property
    def event(self) -> dict[str, Any]:
        """The canonical event; an EDI target's X12 text as ``{"raw": ..., "media_type": ...}``."""
        if "json" in self.media_type:
            return orjson.loads(self.body)
        return {"raw": self.body.decode("utf-8", "replace"), "media_type": self.media_type}


@dataclass(slots=True)
class ReceiverState:
    """Everything the receiver remembers; one per app, nothing global."""

    secret: bytes | None
    fail_next: int = 0
    fail_status: int = 503
    retry_after: str | None = None
    requests: int = 0
    bad_signatures: int = 0
    duplicates: int = 0
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    repeats: dict[str, int] = field(default_factory=dict)

    def summary(self, with_deliveries: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"requests": self.requests, "unique": len(self.deliveries),
                               "duplicates": self.duplicates, "bad_signatures": self.bad_signatures,
                               "repeated_keys": self.repeats}
        if with_deliveries:
            out["deliveries"] = [{"idempotency_key": d.idempotency_key, "event_type": d.event_type,
                                  "traceparent": d.traceparent, "received_at": d.received_at, "event": d.event}
                                 for d in self.deliveries.values()]
        return out


async def _receive(request: Request) -> Response:
    state: ReceiverState = request.app.state.receiver
    state.requests += 1
    try:
        body = await request.body()
    except ClientDisconnect:  # the sender died mid-request (the crash test kills it on purpose)
        return Response(status_code=400)
    if state.secret is not None and not verify(state.secret, request.headers.get(SIGNATURE_HEADER, ""), body,
                                               time.time()):
        state.bad_signatures += 1
        return JSONResponse({"error": "bad signature"}, status_code=401)
    if state.fail_next > 0:
        state.fail_next -= 1
        headers = {"Retry-After": state.retry_after} if state.retry_after is not None else None
        return JSONResponse({"error": "told to fail"}, status_code=state.fail_status, headers=headers)
    key = request.headers.get("idempotency-key")
    if not key:
        return JSONResponse({"error": "Idempotency-Key header missing"}, status_code=400)
    if request.url.path != "/events":
        # Another system's endpoint (an EDI partner's): the same event may reach it and /events.
        key = f"{request.url.path} {key}"
    if key in state.deliveries:
        state.duplicates += 1
        state.repeats[key] = state.repeats.get(key, 1) + 1
        return Response(status_code=200)
    media = request.headers.get("content-type", "")
    if "json" in media:
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
    state.deliveries[key] = Delivery(key, request.headers.get("x-gateway-event-type", ""),
                                     request.headers.get("traceparent"), time.time(), body, media)
    return Response(status_code=204)


async def _received(request: Request) -> Response:
    state: ReceiverState = request.app.state.receiver
    return Response(orjson.dumps(state.summary(request.query_params.get("keys", "1") != "0")),
                    media_type="application/json")


async def _control(request: Request) -> Response:
    state: ReceiverState = request.app.state.receiver
    wish = orjson.loads(await request.body() or b"{}")
    state.fail_next = int(wish.get("fail_next", 0))
    state.fail_status = int(wish.get("status", 503))
    retry_after = wish.get("retry_after")
    state.retry_after = None if retry_after is None else str(retry_after)
    return JSONResponse({"fail_next": state.fail_next, "status": state.fail_status, "retry_after": state.retry_after})


async def _reset(request: Request) -> Response:
    state: ReceiverState = request.app.state.receiver
    request.app.state.receiver = ReceiverState(secret=state.secret)
    return Response(status_code=204)


def create_receiver_app(secret: bytes | None, fail_next: int = 0, fail_status: int = 503,
                        retry_after: str | None = None) -> Starlette:
    """The receiver app; ``app.state.receiver`` is its ``ReceiverState`` (tests read it directly)."""
    app = Starlette(routes=[Route("/events", _receive, methods=["POST"]),
                            Route("/edi", _receive, methods=["POST"]),
                            Route("/received", _received, methods=["GET"]),
                            Route("/control", _control, methods=["POST"]),
                            Route("/reset", _reset, methods=["POST"])])
    app.state.receiver = ReceiverState(secret, fail_next, fail_status, retry_after)
    return app


@asynccontextmanager
async def serve_app(app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn inside the running event loop; yields its base URL (port 0: a free one)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                           lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # startup failed: raise its error here
        await asyncio.sleep(0.005)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        await task


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret-env", help="environment variable holding the shared signing secret")
    args = parser.parse_args(argv)
    secret = os.environ[args.secret_env].encode() if args.secret_env else None
    uvicorn.run(create_receiver_app(secret), host=args.host, port=args.port, log_level="warning",
                access_log=False)


if __name__ == "__main__":
    main()
