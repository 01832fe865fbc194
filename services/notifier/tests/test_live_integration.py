"""Live streams (SSE) over real HTTP: instant wake-ups, resumption, and two notifier replicas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from notifier_helpers import Events, FakeClock, Profiles, Webhooks, contact, read_sse, token
from testkit.builders import match_found
from testkit.served import serve

from contracts import MatchFound, Reason
from notifier.contacts import HttpContactDirectory
from notifier.main import create_app
from servicekit.auth import InternalAuthSettings, Role

pytestmark = pytest.mark.integration

SEEKER = token("s-1", Role.SEEKER)


def a_match(offer_id: str) -> MatchFound:
    reasons = [Reason(code="contract_wished", params={"contract_type": "CDI"})]
    return match_found(
        offer_id=offer_id, reasons=reasons, offer_title=f"Offre {offer_id}", distance_km=3.0
    )


Replica = Callable[[], AbstractAsyncContextManager[tuple[FastAPI, str]]]


@pytest.fixture
def replica(settings_of_test: Any, clock: FakeClock, profiles: Profiles) -> Replica:
    profiles.contacts["s-1"] = contact()

    @asynccontextmanager
    async def start() -> AsyncIterator[tuple[FastAPI, str]]:
        # a wake-up, not the periodic re-read, must bring the events
        settings = settings_of_test(stream_poll_s=60)
        directory = HttpContactDirectory(profiles.url, InternalAuthSettings())
        app = create_app(settings, clock=clock, contacts=directory)
        async with (
            LifespanManager(app, startup_timeout=120, shutdown_timeout=60),
            serve(app) as url,
        ):
            await asyncio.wait_for(app.state.live.ready.wait(), 15)
            yield app, url

    return start


async def test_the_stream_brings_alerts_live_and_resumes_without_duplicates(
    replica: Replica, events: Events, webhooks: Webhooks
) -> None:
    async with replica() as (_, url), httpx.AsyncClient(timeout=30) as client:
        stream_url = f"{url}/seekers/s-1/notifications/stream"
        reading = asyncio.create_task(read_sse(client, stream_url, SEEKER, 1, timeout_s=20))
        await asyncio.sleep(0.5)
        await events.publish(a_match("o-1"))
        [first] = await reading
        assert first["id"] == "1"
        assert first["data"]["title"] == "Une offre pour vous : Offre o-1"
        assert first["data"]["reasons"] == ["C'est un CDI, un contrat que vous acceptez."]

        await events.publish(a_match("o-2"))
        resumed = await read_sse(
            client, stream_url, {**SEEKER, "Last-Event-ID": "1"}, 1, timeout_s=20, linger_s=1
        )
        assert [(e["id"], e["data"]["offer_id"]) for e in resumed] == [("2", "o-2")]
        for _ in range(100):
            if len(webhooks.push.received) == 2:
                break
            await asyncio.sleep(0.1)
        assert len(webhooks.push.received) == 2  # the background workers sent the pushes

        other = await client.get(stream_url, headers=token("s-2", Role.SEEKER))
        assert other.status_code == 403


async def test_two_replicas_each_stream_an_alert_exactly_once(
    replica: Replica, events: Events
) -> None:
    async with (
        replica() as (first, first_url),
        replica() as (second, second_url),
        httpx.AsyncClient(timeout=30) as client,
    ):
        path = "/seekers/s-1/notifications/stream"
        readers = [
            asyncio.create_task(
                read_sse(client, f"{url}{path}", SEEKER, 1, timeout_s=30, linger_s=1.5)
            )
            for url in (first_url, second_url)
        ]
        await asyncio.sleep(0.5)
        await events.publish(a_match("o-1"))
        on_first, on_second = await asyncio.gather(*readers)

        assert [e["data"]["offer_id"] for e in on_first] == ["o-1"]
        assert [e["data"]["offer_id"] for e in on_second] == ["o-1"]
        woken_remotely: Any = first.state.live.received + second.state.live.received
        assert woken_remotely >= 1
