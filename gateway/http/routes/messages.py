"""``POST /v1/messages`` (admit) and ``GET /v1/messages/{id}`` (a message's history).

Admit answers 202 only after ``store.admit`` returned, i.e. after the raw bytes are durable. The
order of checks is chosen so that refusals cost as little as possible: credentials and channel
from headers, rate limit, size from Content-Length, then the body is read (never more than the
partner's limit), signatures checked, and only then is a well-formedness check made.

Admit is the hot path, so it is a plain ASGI callable rather than a Starlette request/response
function: it reads headers and body straight from the ASGI scope and channel and sends its 202
as two ASGI messages, skipping the Request/Response objects it would not otherwise use.
"""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import parse_qs

import orjson
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from ulid_transform import ulid_at_time

from gateway.http.auth import AdminGuard, Authenticator
from gateway.http.bodies import WellFormedness, content_length_of, media_type_of, read_limited
from gateway.http.partners import PartnerEntry, wire_format_of
from gateway.http.problems import Problem, problem_response
from gateway.http.ratelimit import RateLimiter
from gateway.store.base import InboundMessage, Store, StoreClosed
from gateway.telemetry.metrics import Metrics
from gateway.telemetry.tracing import RootSpans, inject_context, link_from

__all__ = ["Admit", "MessageRoutes"]

log = logging.getLogger(__name__)

MESSAGES_PATH = "/v1/messages"
_MAX_IDEMPOTENCY_KEY = 255


def _idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not value or len(value) > _MAX_IDEMPOTENCY_KEY or not value.isprintable() or not value.isascii():
        raise Problem("idempotency-key-invalid",
                      f"Idempotency-Key must be 1 to {_MAX_IDEMPOTENCY_KEY} printable ASCII characters")
    return value


class _ReceiptTime:
    """RFC 3339 UTC text of a receipt time given in epoch milliseconds.

    The seconds part is formatted once per second, not per request: consecutive admissions
    nearly always fall in the same second, and strftime was a twentieth of admit's CPU.
    """

    __slots__ = ("_prefix", "_second")

    def __init__(self) -> None:
        self._second, self._prefix = -1, ""

    def __call__(self, epoch_ms: int) -> str:
        second, millis = divmod(epoch_ms, 1000)
        if second != self._second:
            self._second, self._prefix = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self._prefix}.{millis:03d}Z"


def _headers(scope: Scope) -> dict[str, str]:
    """Request headers as a plain dict (lower-case names), built once: every later lookup is O(1).

    A repeated header keeps its last value; none of the headers admit reads may be repeated.
    """
    return {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}


def _channel_param(scope: Scope) -> str | None:
    query: bytes = scope["query_string"]
    if not query:  # the common case: partners rarely name the channel
        return None
    values = parse_qs(query.decode("latin-1")).get("channel")
    return values[-1] if values else None


class _Accepted:
    """The 202 answer, sent as its two ASGI messages (a Response object's header handling is not needed)."""

    __slots__ = ("_body", "_start")

    def __init__(self, location: str, body: bytes) -> None:
        self._start = {"type": "http.response.start", "status": 202,
                       "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body)),
                                   (b"location", location.encode("ascii"))]}
        self._body = {"type": "http.response.body", "body": body}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(self._start)
        await send(self._body)


class Admit:
    """The ASGI endpoint of ``POST /v1/messages``."""

    def __init__(self, store: Store, metrics: Metrics, tracer: Tracer, auth: Authenticator,
                 limiter: RateLimiter) -> None:
        self._store = store
        self._metrics = metrics
        self._spans = RootSpans(tracer)
        self._auth = auth
        self._limiter = limiter
        self._bodies = WellFormedness()
        self._receipt_time = _ReceiptTime()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        headers = _headers(scope)
        # Not made the current span: nothing below opens child spans, and attaching a context
        # costs more than the rest of the span's life. Its context is stored with the message.
        span = self._spans.start("admit", SpanKind.SERVER, link_from(headers))
        try:
            response = await self._admit(scope, headers, receive, span, started)
            if response is not None:
                await response(scope, receive, send)
        finally:
            span.end()

    async def _admit(self, scope: Scope, headers: dict[str, str], receive: Receive, span: Span,
                     started: float) -> Response | _Accepted | None:
        partner_id: str | None = None
        try:
            entry, signed = self._auth.identify(headers, time.time())
            partner_id = entry.id
            content_type = headers.get("content-type", "")
            media = media_type_of(content_type)
            channel = entry.channel_for(_channel_param(scope), media)
            idempotency_key = _idempotency_key(headers.get("idempotency-key"))
            if signed is None:  # a Bearer caller is authenticated: spend its tokens before reading
                await self._rate_limit(entry)
            body = await read_limited(receive, content_length_of(headers.get("content-length")), entry.max_body_bytes)
            if signed is not None:  # only a verified signer may spend the partner's tokens
                self._auth.verify_signature(entry, signed, body)
                await self._rate_limit(entry)
            wire_format = wire_format_of(media)
            if wire_format is not None:
                self._bodies.check(body, wire_format)
            now = time.time()
            # ulid_at_time takes the same integer millisecond as received_at: the two never disagree.
            message_id = ulid_at_time(now)
            span.set_attributes({"gateway.partner": partner_id, "gateway.channel": channel,
                                 "gateway.message_id": message_id})
            admission = await self._store.admit(InboundMessage(
                id=message_id, partner=partner_id, channel=channel, content_type=content_type, body=body,
                received_at=self._receipt_time(int(now * 1000)), idempotency_key=idempotency_key, trace_context=inject_context(span)))
        except Problem as problem:
            return self._refuse(problem, partner_id, scope, span)
        except StoreClosed:
            return self._refuse(Problem("store-unavailable", "the gateway is shutting down; retry shortly",
                                        headers={"Retry-After": "1"}), partner_id, scope, span)
        except ClientDisconnect:
            # Nothing was admitted and nobody is listening: there is no one to answer.
            span.set_attribute("gateway.client_disconnected", True)
            return None
        except Exception as exc:  # answered here: the app may route admit past its middleware
            log.exception("unhandled error while admitting a message of partner %s", partner_id)
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            return problem_response(Problem("internal-error", "an unexpected error occurred; it has been logged"),
                                    scope["path"])
        if admission.duplicate:
            span.set_attribute("gateway.duplicate_of", admission.message_id)
        self._metrics.admitted(partner_id, admission.duplicate)
        location = f"{MESSAGES_PATH}/{admission.message_id}"
        response = _Accepted(location, orjson.dumps({"id": admission.message_id,
                                                     "status": "duplicate" if admission.duplicate else "admitted",
                                                     "links": {"self": location}}))
        self._metrics.observe_admit(time.perf_counter() - started)
        return response

    async def _rate_limit(self, entry: PartnerEntry) -> None:
        wait = await self._limiter.acquire(entry.id, entry.rate_limit)
        if wait > 0.0:
            retry_after = max(1, int(wait + 0.999))  # Retry-After is whole seconds: round up, never 0
            raise Problem("rate-limited", f"partner {entry.id!r} may send {entry.rate_limit.rate:g} requests/s "
                          f"(burst {entry.rate_limit.burst}); retry in {retry_after} s",
                          headers={"Retry-After": str(retry_after)}, retry_after=retry_after)

    def _refuse(self, problem: Problem, partner_id: str | None, scope: Scope, span: Span) -> Response:
        span.set_attribute("gateway.problem", problem.slug)
        if problem.status >= 500:
            span.set_status(Status(StatusCode.ERROR, problem.detail))
        self._metrics.rejected(partner_id, problem.slug)
        return problem_response(problem, scope["path"])


class MessageRoutes:
    """Admit and history endpoints over one store."""

    def __init__(self, store: Store, metrics: Metrics, tracer: Tracer, auth: Authenticator, admin: AdminGuard,
                 limiter: RateLimiter) -> None:
        self._store = store
        self._tracer = tracer
        self._auth = auth
        self._admin = admin
        self.admit = Admit(store, metrics, tracer, auth, limiter)

    def routes(self) -> list[Route]:
        return [Route(MESSAGES_PATH, self.admit, methods=["POST"], name="admit"),
                Route(MESSAGES_PATH + "/{message_id}", self.history, methods=["GET"], name="message_history")]

    async def history(self, request: Request) -> Response:
        message_id: str = request.path_params["message_id"]
        with self._tracer.start_as_current_span("message.history", kind=SpanKind.SERVER,
                                                attributes={"gateway.message_id": message_id}):
            try:
                partner_id = self._caller(request)
                record: dict[str, Any] | None = self._store.message_history(message_id)
                if record is None:
                    raise Problem("message-not-found", f"no message has id {message_id!r}")
                if partner_id is not None and record.get("partner") != partner_id:
                    raise Problem("message-forbidden", f"message {message_id} was not sent by partner {partner_id!r}")
            except Problem as problem:
                return problem_response(problem, request.scope["path"])
            return Response(orjson.dumps(record), media_type="application/json")

    def _caller(self, request: Request) -> str | None:
        """The reading partner's id, or None for an administrator (who may read every message)."""
        headers = request.headers
        if self._admin.is_admin(headers):
            return None
        entry, signed = self._auth.identify(headers, time.time())
        if signed is not None:  # a signed GET signs the empty body
            self._auth.verify_signature(entry, signed, b"")
        return entry.id
