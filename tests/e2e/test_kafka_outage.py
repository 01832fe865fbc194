"""Kafka stops under the running stack: reads go on, every service stays ready, a write that
needs Kafka answers 503 with Retry-After (problem+json); once the broker is back, writes are
accepted again without restarting anything.

The broker is killed and restarted the way the chaos harness does it (deploy/local/chaoslib).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from testkit.builders import profile_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.chaos]

REPO = Path(__file__).resolve().parents[2]
PORT_BASE = int(os.environ.get("SERVICE_PORT_BASE") or 8000)
SERVICES = {
    name: os.environ.get(f"TREMPLIN_{name.upper()}_URL", f"http://127.0.0.1:{PORT_BASE + n}")
    for n, name in enumerate(["gateway", "profiles", "offers", "recommender", "notifier"])
}


def profile(radius_km: int) -> dict[str, Any]:
    contact = {"first_name": "Lina", "last_name": "Martin", "email": "lina@example.org"}
    return profile_in(contact=contact, place={"commune_code": "69123"}, radius_km=radius_km)


async def readiness_once_all_noticed(within_s: float = 20.0) -> dict[str, httpx.Response]:
    deadline = time.monotonic() + within_s
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            readiness = {
                name: await client.get(f"{url}/health/ready") for name, url in SERVICES.items()
            }
            noticed = all(
                answer.status_code == 200 and answer.json()["checks"]["kafka"] == "down"
                for answer in readiness.values()
            )
            if noticed or time.monotonic() > deadline:
                return readiness
            await asyncio.sleep(0.5)


async def until(
    what: str, probe: Callable[[], Awaitable[httpx.Response]], ok: Callable[[httpx.Response], bool]
) -> tuple[httpx.Response, float]:
    """The first answer that is `ok`, and how long it took; fails after two minutes."""
    t0 = time.monotonic()
    last: httpx.Response | None = None
    while time.monotonic() - t0 < 120:
        last = await probe()
        if ok(last):
            return last, time.monotonic() - t0
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what}: still {last.status_code if last else None} {last and last.text}")


@pytest.fixture
async def stack() -> Any:
    sys.path.insert(0, str(REPO / "deploy" / "local"))
    from chaoslib.faults import Stack

    stack = Stack(REPO, log=lambda message: None)
    yield stack
    # Whatever happened, the broker is running again for the next tests.
    if stack.pid("kafka") is None:
        await stack.up()


@pytest.mark.timeout(400)
async def test_reads_go_on_and_writes_wait_while_kafka_is_away(
    gateway: httpx.AsyncClient,
    login: Any,
    unique: str,
    stack: Any,
    record_property: Callable[[str, object], None],
) -> None:
    seeker = await login(f"s-{unique}", "seeker")
    created = await gateway.put("/v1/me/profile", headers=seeker, json=profile(20))
    assert created.status_code == 201, created.text

    assert await stack.kill("kafka")
    try:
        refused, refused_after_s = await until(
            "a write while Kafka is away",
            lambda: gateway.put("/v1/me/profile", headers=seeker, json=profile(25)),
            lambda r: r.status_code != 200,
        )
        # Until the replica noticed, writes went to the outbox (published once Kafka is back).
        again = await gateway.put("/v1/me/profile", headers=seeker, json=profile(30))
        read = await gateway.get("/v1/me/profile", headers=seeker)
        # Each replica notices on its own probe (every second, two seconds' timeout): ask until
        # every one has, within the time a few probes take.
        readiness = await readiness_once_all_noticed()
    finally:
        code, error = await stack.up()
        assert code == 0, error

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) > 0
    assert "retry" in refused.json()["detail"].lower()
    assert refused_after_s < 10
    assert again.status_code == 503, again.text
    assert read.status_code == 200, read.text
    assert read.json()["profile"]["radius_km"] in (20, 25)  # the refused write changed nothing
    for name, answer in readiness.items():
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["checks"]["kafka"] == "down", (name, answer.text)

    accepted, recovered_s = await until(
        "a write once Kafka is back",
        lambda: gateway.put("/v1/me/profile", headers=seeker, json=profile(30)),
        lambda r: r.status_code == 200,
    )
    assert accepted.json()["profile"]["radius_km"] == 30
    # Events flow again: a seeker created now reaches the recommender (the next tests need it).
    newcomer = await login(f"s-{unique}-after", "seeker")
    joined = await gateway.put("/v1/me/profile", headers=newcomer, json=profile(20))
    assert joined.status_code == 201, joined.text
    _, flowing_s = await until(
        "a seeker created after the outage known to the recommender",
        lambda: gateway.get("/v1/me/recommendations", headers=newcomer),
        lambda r: r.status_code == 200,
    )
    record_property("refused_after_s", round(refused_after_s, 1))
    record_property("accepted_again_after_s", round(recovered_s, 1))
    record_property("events_flowing_after_s", round(flowing_s, 1))
    await gateway.delete("/v1/me", headers=newcomer)
    erased = await gateway.delete("/v1/me", headers=seeker)
    assert erased.status_code == 204, erased.text
