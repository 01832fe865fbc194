"""Composition root of the recommender service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from recommender.config import Settings
from servicekit.app import create_service_app, kafka_and_mongo
from servicekit.broker import make_broker


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    broker = make_broker(settings.kafka, "recommender")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with kafka_and_mongo(app, broker, settings.mongo):
            yield

    return create_service_app(
        name="recommender",
        description="Explainable, incremental matching of seekers and offers.",
        lifespan=lifespan,
    )


app = create_app()
