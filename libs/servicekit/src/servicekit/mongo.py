"""The MongoDB client (PyMongo's async API, Motor's official successor)."""

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from servicekit.settings import MongoSettings

MongoClient = AsyncMongoClient[dict[str, Any]]
T = TypeVar("T")

# FerretDB 1.24 holds one SQLite connection (of 100 per database) for each update of an `update`
# command until the whole command ends: a command of about 100 updates then waits forever for a
# connection, and so does every later request on that database. Bulk updates go in commands of
# at most this many (measured: 99 pass, 120 hang).
UPDATES_PER_COMMAND = 16


@asynccontextmanager
async def mongo_client(settings: MongoSettings) -> AsyncIterator[MongoClient]:
    timeout_ms = int(settings.timeout_s * 1000)
    client: MongoClient = AsyncMongoClient(
        settings.url,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
    )
    try:
        yield client
    finally:
        await client.close()


async def mongo_answers(client: MongoClient, timeout_s: float = 2.0) -> bool:
    try:
        await asyncio.wait_for(client.admin.command("ping"), timeout_s)
    except Exception:
        return False
    return True


async def is_ferretdb(database: AsyncDatabase[dict[str, Any]]) -> bool:
    """Whether the server is FerretDB, which uses its `_id` index only for a filter on `_id` alone.

    FerretDB 1.24 reads the whole collection for any other filter, updates and deletes included
    (seconds on tens of thousands of documents); it also applies an update without isolation, so
    a condition in the filter protects nothing there that the process does not check itself.
    """
    answer = await database.command("buildInfo")
    return "ferretdbVersion" in answer


def in_commands(
    operations: Sequence[T], size: int = UPDATES_PER_COMMAND
) -> Iterator[tuple[int, Sequence[T]]]:
    """Consecutive slices of `operations`, each with the position of its first operation."""
    for start in range(0, len(operations), size):
        yield start, operations[start : start + size]
