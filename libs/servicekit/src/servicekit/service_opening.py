"""What a service's lifespan does first, the same way in every service that serves requests."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from servicekit import service_lifespan
from servicekit.data import Database
from servicekit.index_builds import ServiceIndexes
from servicekit.service_settings import ServiceSettings


@asynccontextmanager
async def opened_service(
    app: FastAPI,
    broker: KafkaBroker,
    settings: ServiceSettings,
    database: str,
    indexes: ServiceIndexes,
) -> AsyncIterator[Database]:
    """The service's database, open for as long as Kafka and MongoDB are (`service_database`).

    The app keeps the settings and the internal credentials its routes check; the indexes are
    built in the database when `mongo.indexes_at_start` asks it (elsewhere a Job builds them)."""
    app.state.settings = settings
    app.state.internal_auth = settings.internal_auth
    async with service_lifespan.service_database(app, broker, settings.mongo, database) as opened:
        if settings.mongo.indexes_at_start:
            await indexes.build_in(opened)
        yield opened
