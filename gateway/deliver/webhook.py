"""The webhook target: POST each canonical event, signed, with its idempotency key and trace context.

Each target keeps connections alive between deliveries on its own ``KeepAliveTransport`` (raising
httpx's errors); the target's concurrency bounds both the deliveries the worker runs at once and
the idle connections kept.
"""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import httpx

from gateway.deliver.base import Delivered, DeliveryResult, PermanentFailure, RetryLater
from gateway.deliver.signing import SIGNATURE_HEADER, sign
from gateway.deliver.transport import Answer, KeepAliveTransport
from gateway.store.base import OutboxEntry
from gateway.telemetry import outbound_headers

# 4xx answers that describe a passing state of the receiver, not a bad event.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
USER_AGENT = "logistics-gateway"
# A stored value with CR or LF would split the request (header injection): refuse it instead.
_LINE_BREAK = re.compile(r"[\r\n]")


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def classify(answer: Answer, now: float) -> DeliveryResult:
    """Turn the target's HTTP answer into a delivery result."""
    code = answer.status_code
    if 200 <= code < 300:
        return Delivered(code)
    detail = f"HTTP {code}: {answer.text[:200]}".rstrip(": ")
    if code >= 500 or code in RETRYABLE_4XX:
        retry_after = parse_retry_after(answer.header(b"retry-after"), now) if code in (429, 503) else None
        return RetryLater(detail, code, retry_after)
    return PermanentFailure(detail, code)


class WebhookTarget:
    """POSTs canonical events (``application/cloudevents+json``) and protocol replies (their own
    media type, e.g. an X12 997 for a partner's ack endpoint) to one URL."""

    def __init__(self, target_id: str, url: str, secret: bytes | None, timeout_s: float, concurrency: int) -> None:
        self.id = target_id
        self.url = httpx.URL(url)
        self.concurrency = concurrency
        self._secret = secret
        self._transport = KeepAliveTransport(concurrency)
        self._origin = (self.url.scheme, self.url.host, self.url.port or (443 if self.url.scheme == "https" else 80))
        # The same request httpx would send (its Host form, keep-alive), built as bytes here: httpx's
        # request and response models cost more per event than the exchange itself.
        self._request_line = (f"POST {self.url.raw_path.decode('ascii') or '/'} HTTP/1.1\r\n"
                              f"Host: {self.url.netloc.decode('ascii')}\r\nUser-Agent: {USER_AGENT}\r\n"
                              f"Accept: */*\r\nConnection: keep-alive\r\n")
        self._timeouts = httpx.Timeout(timeout_s).as_dict()

    def headers(self, entry: OutboxEntry, timestamp: int) -> dict[str, str]:
        """The request headers for ``entry``; the current span's trace context wins over the stored one."""
        headers = {"Content-Type": entry.content_type, "Idempotency-Key": entry.event_id,
                   "X-Gateway-Event-Type": entry.event_type, **entry.trace_context}
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret, entry.body, timestamp)
        return outbound_headers(headers)

    def request_head(self, entry: OutboxEntry, timestamp: int) -> bytes:
        """The request line and header fields of ``entry``'s POST, ending in the empty line."""
        headers = self.headers(entry, timestamp)
        if _LINE_BREAK.search("".join((*headers, *headers.values()))):
            raise ValueError(f"a header of event {entry.event_id!r} holds a line break")
        fields = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        return f"{self._request_line}{fields}Content-Length: {len(entry.body)}\r\n\r\n".encode("latin-1")

    async def deliver(self, entry: OutboxEntry) -> DeliveryResult:
        now = time.time()
        try:
            head = self.request_head(entry, int(now))
        except (ValueError, UnicodeEncodeError) as exc:
            return PermanentFailure(f"cannot send: {exc}")
        try:
            answer = await self._transport.send(self._origin, head, entry.body, "POST", self._timeouts)
        except httpx.TimeoutException as exc:
            return RetryLater(f"timeout: {type(exc).__name__}")
        except httpx.TransportError as exc:
            return RetryLater(f"transport error: {type(exc).__name__}: {exc}")
        return classify(answer, time.time())

    async def aclose(self) -> None:
        await self._transport.aclose()
