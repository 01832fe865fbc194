"""The MongoDB client (PyMongo's async API, Motor's official successor)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient

from servicekit.settings import MongoSettings

MongoClient = AsyncMongoClient[dict[str, Any]]


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
