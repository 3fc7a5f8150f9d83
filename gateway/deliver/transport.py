"""A lean HTTP/1.1 keep-alive transport for httpx, on asyncio streams.

Why not httpx's default transport: httpcore's connection pool (via anyio) costs ~1 ms of CPU per
request on this class of host and gets slower as connections are added (it polls every idle
socket on each request), capping one target at ~700 deliveries/s. Webhook delivery needs none of
its generality — one origin per target, HTTP/1.1, small bodies, no streaming, no proxies — so this
transport keeps a stack of idle connections and writes/reads requests directly. It plugs into
``httpx.AsyncClient(transport=...)``, so the client API, timeouts and exception types stay httpx's.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

import httpx

_MAX_HEAD = 64 * 1024


class _Connection:
    __slots__ = ("reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class _StaleConnection(Exception):
    """A reused keep-alive connection was closed by the server before it answered anything."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A server's answer as read off the wire: status, header fields (names lower-cased), body."""

    status_code: int
    headers: list[tuple[bytes, bytes]]
    content: bytes

    def header(self, name: bytes) -> str | None:
        """The value of the first ``name`` field (lower-case bytes), decoded; None if absent."""
        return next((value.decode("latin-1") for key, value in self.headers if key == name), None)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")


class KeepAliveTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 with persistent connections; at most ``max_idle`` kept open between requests.

    Two entrances: ``handle_async_request`` for ``httpx.AsyncClient``, and ``send`` for a caller
    that builds the request bytes itself (the webhook target) and so skips httpx's request and
    response models, which cost more than the exchange on the wire.
    """

    def __init__(self, max_idle: int = 16, ssl_context: ssl.SSLContext | None = None) -> None:
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._max_idle = max_idle
        self._ssl = ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        answer = await self.send(origin, _request_head(request), request.content, request.method,
                                 request.extensions.get("timeout", {}), request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content, request=request,
                              extensions={"http_version": b"HTTP/1.1"})

    async def send(self, origin: tuple[str, str, int], head: bytes, body: bytes, method: str,
                   timeouts: dict[str, float | None], request: httpx.Request | None = None) -> Answer:
        """Send ``head`` (request line and header fields, ending in an empty line) and ``body`` to
        ``origin`` (scheme, host, port) on an idle connection or a new one; raise httpx's errors."""
        pool = self._idle.setdefault(origin, [])
        while pool:  # reuse an idle connection; if the server had closed it, try the next one
            conn = pool.pop()
            try:
                return await self._exchange(conn, origin, head, body, method, timeouts, request, reused=True)
            except _StaleConnection:
                continue
        conn = await self._connect(origin, timeouts.get("connect"))
        try:
            return await self._exchange(conn, origin, head, body, method, timeouts, request, reused=False)
        except _StaleConnection:
            raise httpx.RemoteProtocolError("server closed the connection without answering", request=request) from None

    async def _connect(self, origin: tuple[str, str, int], timeout: float | None) -> _Connection:
        scheme, host, port = origin
        context = (self._ssl or ssl.create_default_context()) if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(host, port, ssl=context, limit=_MAX_HEAD)
        except TimeoutError:
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} took over {timeout} s") from None
        except OSError as exc:
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc}") from None
        return _Connection(reader, writer)

    async def _exchange(self, conn: _Connection, origin: tuple[str, str, int], head: bytes, body: bytes, method: str,
                        timeouts: dict[str, float | None], request: httpx.Request | None, reused: bool) -> Answer:
        try:
            conn.writer.write(head + body)
            # A webhook request nearly always fits the socket buffer whole; only what is left over
            # needs the wait (and the write timeout's timer, which costs more than the write).
            # A connection the server closed meanwhile shows at the read: EOF before any byte.
            if conn.writer.transport.get_write_buffer_size():
                async with asyncio.timeout(timeouts.get("write")):
                    try:
                        await conn.writer.drain()
                    except ConnectionError:
                        if reused:
                            raise _StaleConnection() from None
                        raise
            async with asyncio.timeout(timeouts.get("read")):
                status, headers, keep_alive = await _read_head(conn.reader, reused)
                content = await _read_body(conn.reader, headers, keep_alive, method)
        except TimeoutError:
            conn.close()
            raise httpx.ReadTimeout(f"no answer within {timeouts.get('read')} s", request=request) from None
        except _StaleConnection:
            conn.close()
            raise
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            conn.close()
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request) from None
        pool = self._idle[origin]
        if keep_alive and len(pool) < self._max_idle:
            pool.append(conn)
        else:
            conn.close()
        return Answer(status, headers, content)

    async def aclose(self) -> None:
        for pool in self._idle.values():
            for conn in pool:
                conn.close()
        self._idle.clear()


def _request_head(request: httpx.Request) -> bytes:
    url = request.url
    target = url.raw_path or b"/"
    lines = [request.method.encode() + b" " + target + b" HTTP/1.1"]
    lines.extend(k + b": " + v for k, v in request.headers.raw)
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def _read_head(reader: asyncio.StreamReader, reused: bool) -> tuple[int, list[tuple[bytes, bytes]], bool]:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if reused and not exc.partial:
            raise _StaleConnection() from None
        raise
    except ConnectionResetError:
        if reused:
            raise _StaleConnection() from None
        raise
    status_line, *header_lines = raw[:-4].split(b"\r\n")
    version, code, *_ = status_line.split(b" ", 2)
    headers = []
    keep_alive = version == b"HTTP/1.1"
    for line in header_lines:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        headers.append((name, value))
        if name == b"connection":
            keep_alive = value.lower() == b"keep-alive" if version != b"HTTP/1.1" else value.lower() != b"close"
    return int(code), headers, keep_alive


async def _read_body(reader: asyncio.StreamReader, headers: list[tuple[bytes, bytes]], keep_alive: bool,
                     method: str) -> bytes:
    fields = dict(headers)
    if method == "HEAD":
        return b""
    if fields.get(b"transfer-encoding", b"").lower().endswith(b"chunked"):
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # skip trailer fields
                    pass
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    if b"content-length" in fields:
        return await reader.readexactly(int(fields[b"content-length"]))
    if keep_alive:  # 1xx/204/304 or an empty answer: no body
        return b""
    return await reader.read()
