"""Builds a service's FastAPI application: broker and Mongo lifespans, health, logging."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from servicekit.health import Check, health_router
from servicekit.kafka_gate import KafkaGate, KafkaUnavailableError, on_kafka_unavailable, watched
from servicekit.logs import configure_logging
from servicekit.metrics import ObservedRequests, metrics_router
from servicekit.mongo import MongoClient, mongo_answers, mongo_client
from servicekit.settings import MongoSettings
from servicekit.tracing import FASTAPI_TELEMETRY, configure_tracing

log = logging.getLogger(__name__)

# Background tasks are cancelled at shutdown and waited for this long; then the broker stops
# (servicekit.broker.GRACEFUL_STOP_S): a service exits within 10 s of SIGTERM.
BACKGROUND_STOP_TIMEOUT_S = 3.0

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def kafka_check(broker: KafkaBroker) -> Check:
    async def check() -> bool:
        return bool(await broker.ping(timeout=2.0))

    return check


def mongo_check(client: MongoClient) -> Check:
    async def check() -> bool:
        return await mongo_answers(client)

    return check


def create_service_app(
    *,
    name: str,
    description: str,
    lifespan: Lifespan,
    background: Callable[[FastAPI], list[Coroutine[Any, Any, None]]] = lambda app: [],
) -> FastAPI:
    """A FastAPI app whose lifespan runs `lifespan`, then the background tasks `background`.

    `lifespan` sets `app.state.health_checks`, which `/health/ready` runs.
    """
    configure_logging(name)
    configure_tracing(name)

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            tasks = [asyncio.create_task(job) for job in background(app)]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                # A library may swallow a cancellation (seen inside a database call): such a task
                # would sleep on instead of ending, so shutdown waits a bounded time, then goes on.
                stuck: set[asyncio.Task[None]] = set()
                if tasks:
                    _, stuck = await asyncio.wait(tasks, timeout=BACKGROUND_STOP_TIMEOUT_S)
                for task in stuck:
                    log.warning(
                        "background task did not stop in time", extra={"task": task.get_name()}
                    )
                    task.cancel()

    app = FastAPI(
        title=f"Tremplin {name}",
        description=description,
        lifespan=run,
        telemetry=FASTAPI_TELEMETRY,  # type: ignore[arg-type]
    )
    app.include_router(health_router())
    app.add_exception_handler(KafkaUnavailableError, on_kafka_unavailable)
    # Scraped inside the cluster only: the gateway routes no other service's /metrics, and the
    # Ingress routes none (deploy/k8s/base/gateway).
    app.include_router(metrics_router())
    app.add_middleware(ObservedRequests)
    return app


def gate_check(gate: KafkaGate) -> Check:
    async def check() -> bool:
        return gate.up

    return check


@asynccontextmanager
async def kafka_and_mongo(
    app: FastAPI,
    broker: KafkaBroker,
    mongo: MongoSettings,
    subscribe: Callable[[MongoClient], None] | None = None,
) -> AsyncIterator[MongoClient]:
    """Opens the Mongo client and starts the broker, after `subscribe` (given the client) added
    the service's subscriptions; readiness then checks MongoDB, and reports Kafka as the gate
    watching it sees it (servicekit.kafka_gate)."""
    async with mongo_client(mongo) as client:
        if subscribe is not None:
            subscribe(client)
        await broker.start()
        async with watched(app, KafkaGate(kafka_check(broker))) as gate:
            app.state.health_checks = {"mongo": mongo_check(client)}
            app.state.optional_checks = {"kafka": gate_check(gate)}
            try:
                yield client
            finally:
                await broker.stop()
