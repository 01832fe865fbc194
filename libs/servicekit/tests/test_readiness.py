"""Readiness follows what a replica can serve; the writes that need Kafka wait for it."""

from collections.abc import Callable

import httpx
import pytest
from fastapi import Depends, FastAPI

from servicekit.app import gate_check
from servicekit.health import health_router
from servicekit.kafka_gate import (
    KafkaGate,
    KafkaUnavailableError,
    kafka_required,
    on_kafka_unavailable,
)


def answering(state: dict[str, bool], name: str) -> Callable[[], object]:
    async def probe() -> bool:
        if state[name] is None:
            raise ConnectionError(name)
        return state[name]

    return probe


def service(state: dict[str, bool]) -> tuple[FastAPI, KafkaGate]:
    app = FastAPI()
    app.include_router(health_router(timeout_s=1.0))
    app.add_exception_handler(KafkaUnavailableError, on_kafka_unavailable)
    gate = KafkaGate(answering(state, "kafka"))  # type: ignore[arg-type]
    app.state.kafka_gate = gate
    app.state.health_checks = {"mongo": answering(state, "mongo")}
    app.state.optional_checks = {"kafka": gate_check(gate)}

    @app.get("/things")
    async def read() -> list[str]:
        return ["a thing"]

    @app.post("/things", dependencies=[Depends(kafka_required)], status_code=201)
    async def write() -> dict[str, str]:
        return {"written": "yes"}

    return app, gate


@pytest.fixture
def state() -> dict[str, bool]:
    return {"kafka": True, "mongo": True}


async def test_without_kafka_a_replica_serves_reads_and_refuses_writes_until_it_is_back(
    state: dict[str, bool],
) -> None:
    app, gate = service(state)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://x") as c:
        state["kafka"] = None  # type: ignore[assignment]  # the probe fails, as ping does
        assert await gate.check() is False
        ready, read, write = (
            await c.get("/health/ready"),
            await c.get("/things"),
            await c.post("/things"),
        )
        state["kafka"] = True
        assert await gate.check() is True
        ready_again, write_again = await c.get("/health/ready"), await c.post("/things")

    assert ready.status_code == 200
    assert ready.json() == {"status": "degraded", "checks": {"kafka": "down", "mongo": "up"}}
    assert read.status_code == 200
    assert write.status_code == 503
    assert write.headers["content-type"] == "application/problem+json"
    assert write.headers["retry-after"] == "5"
    assert write.json()["status"] == 503
    assert "nothing was changed" in write.json()["detail"]
    assert ready_again.json() == {"status": "ready", "checks": {"kafka": "up", "mongo": "up"}}
    assert write_again.status_code == 201


async def test_without_the_store_a_replica_is_not_ready(state: dict[str, bool]) -> None:
    app, _ = service(state)
    state["mongo"] = False
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://x") as c:
        ready = await c.get("/health/ready")

    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "checks": {"kafka": "up", "mongo": "down"}}
