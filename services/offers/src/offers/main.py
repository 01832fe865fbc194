"""Composition root of the offers service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from offers.config import Settings
from servicekit.app import create_service_app, kafka_and_mongo
from servicekit.broker import make_broker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    broker = make_broker(settings.kafka, "offers")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kafka_and_mongo(app, broker, settings.mongo):
            yield

    return create_service_app(
        name="offers",
        description="Job offers from employers and partner feeds: offer-published, offer-closed.",
        lifespan=lifespan,
    )


app = create_app()
