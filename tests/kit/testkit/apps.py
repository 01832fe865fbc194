"""A service's app run in the test's process, its lifespan included, and a client that calls it
without a network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

STARTUP_TIMEOUT_S = 120  # an app connects to Kafka and the store, and may load reference data
SHUTDOWN_TIMEOUT_S = 60


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    async with LifespanManager(
        app, startup_timeout=STARTUP_TIMEOUT_S, shutdown_timeout=SHUTDOWN_TIMEOUT_S
    ):
        yield app


@asynccontextmanager
async def client_of(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
        yield client
