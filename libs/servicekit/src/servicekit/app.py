"""Builds a service's FastAPI application: broker and Mongo lifespans, health, logging."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from servicekit.health import Check, health_router
from servicekit.logs import configure_logging
from servicekit.mongo import MongoClient, mongo_answers, mongo_client
from servicekit.settings import MongoSettings

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

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with lifespan(app):
            tasks = [asyncio.create_task(job) for job in background(app)]
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    app = FastAPI(title=f"Tremplin {name}", description=description, lifespan=run)
    app.include_router(health_router())
    return app


@asynccontextmanager
async def kafka_and_mongo(
    app: FastAPI, broker: KafkaBroker, mongo: MongoSettings
) -> AsyncIterator[MongoClient]:
    """Opens the Mongo client and starts the broker; readiness then checks both."""
    async with mongo_client(mongo) as client:
        await broker.start()
        app.state.health_checks = {"kafka": kafka_check(broker), "mongo": mongo_check(client)}
        try:
            yield client
        finally:
            await broker.stop()
