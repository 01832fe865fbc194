"""Whether this replica reaches Kafka now, for the writes that need it.

Reads need MongoDB only: a replica stays ready when Kafka is away. A write whose effect travels
by Kafka (an event in an outbox) is refused meanwhile with a 503 and a `Retry-After`, so that
the caller retries rather than believing its change is on its way; writes are accepted again as
soon as the broker answers, without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

log = logging.getLogger(__name__)

Probe = Callable[[], Awaitable[bool]]
RETRY_AFTER_S = 5
PROBLEM = "application/problem+json"


class KafkaUnavailableError(Exception):
    """A write needs Kafka, which this replica does not reach now."""


class KafkaGate:
    """Kafka's state as this replica last saw it: probed every `interval_s`, each probe given
    `timeout_s`. Starts open: the service has just reached the broker to start."""

    def __init__(self, probe: Probe, interval_s: float = 1.0, timeout_s: float = 3.0) -> None:
        self.probe = probe
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.up = True
        self.since = time.monotonic()

    async def check(self) -> bool:
        try:
            up = await asyncio.wait_for(self.probe(), self.timeout_s)
        except Exception:
            up = False
        if up != self.up:
            self.up, self.since = up, time.monotonic()
            if up:
                log.warning("Kafka answers again: writes accepted")
            else:
                log.warning("Kafka does not answer: writes that need it get 503 meanwhile")
        return up

    async def watch(self) -> None:
        while True:
            await self.check()
            await asyncio.sleep(self.interval_s)

    def require(self) -> None:
        if not self.up:
            raise KafkaUnavailableError


@asynccontextmanager
async def watched(app: FastAPI, gate: KafkaGate) -> AsyncIterator[KafkaGate]:
    """The gate on `app.state.kafka_gate`, probed in the background while the app runs."""
    app.state.kafka_gate = gate
    task = asyncio.create_task(gate.watch(), name="kafka-gate")
    try:
        yield gate
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def kafka_required(request: Request) -> None:
    """FastAPI dependency of the writes that publish events: 503 while Kafka is away."""
    gate: KafkaGate | None = getattr(request.app.state, "kafka_gate", None)
    if gate is not None:
        gate.require()


async def on_kafka_unavailable(request: Request, error: Exception) -> Response:
    return JSONResponse(
        {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "This change cannot be recorded while the event broker is unreachable; "
            f"nothing was changed. Retry in {RETRY_AFTER_S} seconds.",
            "instance": request.url.path,
        },
        status_code=503,
        media_type=PROBLEM,
        headers={"Retry-After": str(RETRY_AFTER_S)},
    )
