"""The transport to the services, over real loopback sockets: what is retried and what is not."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Any

import pytest
from fastapi import HTTPException
from pydantic import BaseModel

from gateway.config import Settings
from gateway.upstream import Upstreams
from servicekit.auth import Principal, Role

SEEKER = Principal(sub="s-1", role=Role.SEEKER)
Answer = Callable[[asyncio.StreamWriter], Any]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + (await reader.readexactly(length) if length else b"")


class Server:
    """A loopback HTTP/1.1 server that counts requests and answers as it is told."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                self.requests.append(await read_request(reader))
                if await self.answer(writer) is False:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def ok(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
    )
    await writer.drain()


async def hang_up(writer: asyncio.StreamWriter) -> bool:
    return False  # read the request, close without a word


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Any]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> Server:
        server = Server(answer)
        listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        servers.append(listening)
        server.url = f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}"
        return server

    yield start
    for listening in servers:
        listening.close()


def upstreams_to(url: str, retries: int = 2) -> Upstreams:
    return Upstreams(Settings(recommender_url=url, upstream_retries=retries, upstream_timeout_s=2))


async def test_calls_reuse_one_connection(serve: Any) -> None:
    server = await serve(ok)
    upstreams = upstreams_to(server.url)
    for _ in range(5):
        response = await upstreams.call("recommender", "GET", "/x", SEEKER)
        assert (response.status_code, response.json()) == (200, [])
    await upstreams.close()

    assert len(server.requests) == 5
    assert all(b"authorization: bearer " in r.lower() for r in server.requests)


async def test_a_model_travels_as_its_json_form(serve: Any) -> None:
    class Closing(BaseModel):
        reason: str
        on: date

    server = await serve(ok)
    upstreams = upstreams_to(server.url)
    await upstreams.call(
        "recommender", "POST", "/x", SEEKER, json=Closing(reason="filled", on=date(2027, 1, 2))
    )
    await upstreams.close()

    body = server.requests[0].split(b"\r\n\r\n", 1)[1]
    assert json.loads(body) == {"reason": "filled", "on": "2027-01-02"}


async def test_a_post_the_service_may_have_received_is_not_sent_again(serve: Any) -> None:
    server = await serve(hang_up)
    upstreams = upstreams_to(server.url)

    with pytest.raises(HTTPException) as raised:
        await upstreams.call("recommender", "POST", "/x", SEEKER, json={"reason": "too_far"})
    await upstreams.close()

    assert raised.value.status_code == 503
    assert len(server.requests) == 1


async def test_a_get_is_tried_again_when_the_connection_drops(serve: Any) -> None:
    server = await serve(hang_up)
    upstreams = upstreams_to(server.url, retries=2)

    with pytest.raises(HTTPException) as raised:
        await upstreams.call("recommender", "GET", "/x", SEEKER)
    await upstreams.close()

    assert raised.value.status_code == 503
    # Three attempts; aiohttp may itself send an idempotent request once more on a dropped
    # keep-alive connection.
    assert 3 <= len(server.requests) <= 6


async def test_a_service_not_listening_is_unavailable_with_its_name() -> None:
    upstreams = upstreams_to("http://127.0.0.1:9", retries=1)

    with pytest.raises(HTTPException) as raised:
        await upstreams.call("recommender", "POST", "/x", SEEKER, json={})
    await upstreams.close()

    assert raised.value.status_code == 503
    assert "recommender" in str(raised.value.detail)


async def test_a_stream_relays_each_event_as_it_comes(serve: Any) -> None:
    sent_second = asyncio.Event()

    async def events(writer: asyncio.StreamWriter) -> bool:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        for n in (1, 2):
            data = f"id: {n}\ndata: alert {n}\n\n".encode()
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
            if n == 1:
                await asyncio.sleep(0.3)
        sent_second.set()
        await asyncio.sleep(5)
        return False

    server = await serve(events)
    upstreams = upstreams_to(server.url)
    response = await upstreams.open_stream("recommender", "/stream", SEEKER, "7")
    chunks = response.aiter_raw()
    first = await anext(chunks)
    assert first == b"id: 1\ndata: alert 1\n\n"
    assert not sent_second.is_set()  # the first event came before the server sent the second
    assert await anext(chunks) == b"id: 2\ndata: alert 2\n\n"
    await response.aclose()
    await upstreams.close()

    assert b"last-event-id: 7" in server.requests[0].lower()


async def test_open_streams_leave_short_calls_their_connections(serve: Any) -> None:
    # More live streams than the pool of short calls holds: the calls still get through.
    server: Server

    async def streams_or_ok(writer: asyncio.StreamWriter) -> bool | None:
        if b"/stream" not in server.requests[-1].split(b"\r\n", 1)[0]:
            return await ok(writer)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        await asyncio.sleep(30)
        return False

    server = await serve(streams_or_ok)
    upstreams = upstreams_to(server.url)
    streams = []
    for _ in range(6):  # 300 streams, opened fifty at a time
        streams += await asyncio.wait_for(
            asyncio.gather(
                *(upstreams.open_stream("recommender", "/stream", SEEKER, None) for _ in range(50))
            ),
            10,
        )

    response = await asyncio.wait_for(upstreams.call("recommender", "GET", "/x", SEEKER), 5)
    assert response.status_code == 200
    for stream in streams:
        await stream.aclose()
    await upstreams.close()


async def test_a_stream_past_the_replicas_limit_is_refused_with_retry_after(serve: Any) -> None:
    upstreams = Upstreams(Settings(max_streams=1))
    upstreams.open_streams = 1  # one relayed already

    with pytest.raises(HTTPException) as refused:
        await upstreams.open_stream("notifier", "/stream", SEEKER, None)
    await upstreams.close()

    assert refused.value.status_code == 503
    assert refused.value.headers == {"Retry-After": "5"}
