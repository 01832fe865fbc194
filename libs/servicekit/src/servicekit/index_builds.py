"""`python -m <service>.indexes`: builds a service's MongoDB indexes. On Kubernetes, a Job runs it
at each upgrade (deploy/k8s/base/ops/indexes-jobs.yaml), instead of the service at start-up."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from pydantic_settings import BaseSettings

from servicekit.data.database import Database
from servicekit.mongo import mongo_client
from servicekit.settings import MongoSettings

# What builds the indexes of one store, given the service's database.
IndexBuilder = Callable[[Database], Awaitable[object]]


class IndexedStore(Protocol):
    async def create_indexes(self) -> None: ...


def indexes_of(store: Callable[[Database], IndexedStore]) -> IndexBuilder:
    """The builder of a store that creates its own indexes."""
    return lambda database: store(database).create_indexes()


class ServiceIndexes:
    """The indexes of a service's stores, in the database its settings name by default."""

    def __init__(self, settings: type[BaseSettings], *builders: IndexBuilder) -> None:
        # Fixed: the services' MongoDB user may write this database only (init-replica-set.sh).
        self.database: str = settings.model_fields["database"].default
        self.builders = builders

    async def build(self, settings: MongoSettings, database: str | None = None) -> None:
        async with mongo_client(settings) as client:
            await self.build_in(
                await Database.open(client[database or self.database], settings.engine)
            )

    async def build_in(self, database: Database) -> None:
        """In a database the service opened: at its start, when it builds its own indexes."""
        for build in self.builders:
            await build(database)

    def run(self) -> None:
        """The module's entry point: the MongoDB settings come from the environment."""
        asyncio.run(self.build(MongoSettings()))
