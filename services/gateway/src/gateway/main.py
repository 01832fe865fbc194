"""Composition root of the gateway service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.config import Settings
from servicekit.app import create_service_app, kafka_and_mongo
from servicekit.broker import make_broker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    broker = make_broker(settings.kafka, "gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kafka_and_mongo(app, broker, settings.mongo):
            yield

    return create_service_app(
        name="gateway",
        description="The single door for mobile apps, counsellors, employers and operators.",
        lifespan=lifespan,
    )


app = create_app()
