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


async def find_by_ids(
    collection: Any,
    ids: Sequence[Any],
    projection: dict[str, Any] | None = None,
    *,
    one_by_one: bool,
    concurrency: int = 16,
) -> list[dict[str, Any]]:
    """The documents with these `_id`s (those that exist), in no particular order.

    One `{_id: {$in: ids}}` query; or, with `one_by_one` (on FerretDB, where `$in` reads every
    document of the collection), one lookup by `_id` alone per id, `concurrency` at a time.
    """
    ids = list(dict.fromkeys(ids))  # each document once, as `$in` gives it
    if not ids:
        return []
    if not one_by_one:
        found: list[dict[str, Any]] = await collection.find(
            {"_id": {"$in": ids}}, projection
        ).to_list(None)
        return found
    gate = asyncio.Semaphore(concurrency)

    async def read(document_id: Any) -> dict[str, Any] | None:
        async with gate:
            document: dict[str, Any] | None = await collection.find_one(
                {"_id": document_id}, projection
            )
            return document

    return [d for d in await asyncio.gather(*(read(i) for i in ids)) if d is not None]
