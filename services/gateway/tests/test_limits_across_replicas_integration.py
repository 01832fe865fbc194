"""Two gateway replicas share one limit: each charges the other's usage, read from the store."""

import asyncio
import time
from contextlib import AsyncExitStack

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.config import Settings
from gateway.main import create_app
from servicekit.settings import KafkaSettings, MongoSettings

pytestmark = pytest.mark.integration

RATE, BURST, SECONDS = 5.0, 5, 4.0


@pytest.mark.slow
async def test_two_replicas_let_through_one_limit_not_two(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str
) -> None:
    settings = Settings(
        kafka=kafka,
        mongo=mongo,
        database=f"test_{run_id}",
        rate_per_token=RATE,
        burst_per_token=BURST,
        limits_sync_s=0.2,
    )
    replicas = [create_app(settings), create_app(settings)]
    # The same client, its calls spread over both replicas as a load balancer would.
    headers = {"Authorization": "Bearer the-same-client-token"}
    passed = refused = 0
    async with AsyncExitStack() as stack:
        clients = []
        for app in replicas:
            await stack.enter_async_context(LifespanManager(app, startup_timeout=120))
            transport = httpx.ASGITransport(app=app)
            clients.append(
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=transport, base_url="http://gateway")
                )
            )
        t0, n = time.monotonic(), 0
        while time.monotonic() - t0 < SECONDS:
            answer = await clients[n % 2].get("/v1/me/access-log", headers=headers)
            n += 1
            if answer.status_code == 429:
                refused += 1
            else:
                passed += 1
            await asyncio.sleep(0.02)
        elapsed = time.monotonic() - t0

    one_limit = BURST + RATE * elapsed
    assert refused > 0
    # Each replica alone would let through one limit: two of them, twice as much. Shared, the
    # pair stays near one, give or take what a replica let through before the other heard of it.
    assert one_limit * 0.8 <= passed <= one_limit * 1.3, (passed, one_limit, refused)
