"""The keep-alive transport against small real HTTP/1.1 servers on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest

from gateway.deliver.transport import KeepAliveTransport

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def server(answer: bytes, *, close_after: int = 0, delay_s: float = 0.0) -> AsyncIterator[tuple[str, list[int]]]:
    """A server answering every request with ``answer``; closes a connection after ``close_after``
    answers (0: never). Yields its URL and a list counting requests per connection."""
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        index = len(connections) - 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length")), 0)
                await reader.readexactly(length)
                await asyncio.sleep(delay_s)
                writer.write(answer)
                await writer.drain()
                connections[index] += 1
                if close_after and connections[index] >= close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/events", connections
    finally:
        srv.close()
        await srv.wait_closed()


NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"


async def test_sequential_requests_reuse_one_connection() -> None:
    async with server(NO_CONTENT) as (url, connections), httpx.AsyncClient(transport=KeepAliveTransport()) as client:
        for _ in range(5):
            assert (await client.post(url, content=b"{}")).status_code == 204
    assert connections == [5]


async def test_a_chunked_answer_is_read_whole() -> None:
    async with server(CHUNKED) as (url, _), httpx.AsyncClient(transport=KeepAliveTransport()) as client:
        assert (await client.post(url, content=b"{}")).text == "hello world"
        assert (await client.post(url, content=b"{}")).text == "hello world"


async def test_a_connection_the_server_closed_is_replaced_transparently() -> None:
    async with server(NO_CONTENT, close_after=1) as (url, connections), \
            httpx.AsyncClient(transport=KeepAliveTransport()) as client:
        for _ in range(3):
            assert (await client.post(url, content=b"{}")).status_code == 204
            await asyncio.sleep(0.05)   # let the close arrive before the next request
    assert connections == [1, 1, 1]


async def test_a_body_larger_than_the_socket_buffer_is_sent_whole() -> None:
    body = b"x" * (8 << 20)   # the kernel cannot take it in one write: the rest waits for drain
    async with server(NO_CONTENT) as (url, connections), httpx.AsyncClient(transport=KeepAliveTransport()) as client:
        assert (await client.post(url, content=body)).status_code == 204
        assert (await client.post(url, content=b"{}")).status_code == 204
    assert connections == [2]


async def test_an_answer_slower_than_the_timeout_is_a_read_timeout() -> None:
    async with server(NO_CONTENT, delay_s=1.0) as (url, _), \
            httpx.AsyncClient(transport=KeepAliveTransport(), timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(url, content=b"{}")


async def test_a_refused_connection_is_a_connect_error() -> None:
    async with httpx.AsyncClient(transport=KeepAliveTransport()) as client:
        with pytest.raises(httpx.ConnectError):
            await client.post("http://127.0.0.1:9/events", content=b"{}")
