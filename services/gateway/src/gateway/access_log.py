"""Who looked at a seeker's file, and when: the seeker can always read it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase


class AccessLog:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.entries = database["access_log"]

    async def ensure_indexes(self) -> None:
        await self.entries.create_index([("seeker_id", ASCENDING), ("at", DESCENDING)])

    async def record(self, seeker_id: str, by: str, name: str | None, what: str) -> None:
        await self.entries.insert_one(
            {"seeker_id": seeker_id, "by": by, "name": name, "what": what, "at": datetime.now(UTC)}
        )

    async def of(self, seeker_id: str, skip: int, limit: int) -> list[dict[str, Any]]:
        cursor = (
            self.entries.find({"seeker_id": seeker_id}, {"_id": 0, "seeker_id": 0})
            .sort("at", DESCENDING)
            .skip(skip)
            .limit(limit)
        )
        return await cursor.to_list(None)

    async def forget(self, seeker_id: str) -> int:
        result = await self.entries.delete_many({"seeker_id": seeker_id})
        return result.deleted_count
