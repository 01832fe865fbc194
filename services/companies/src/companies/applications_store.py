"""Spontaneous applications in the companies' store: one document each, its event inside."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING

from servicekit.daily_counts import DailyCounts
from servicekit.data import Database

APPLICATIONS = "applications"


class ApplicationStore:
    def __init__(self, database: Database) -> None:
        self.applications = database.documents(APPLICATIONS)
        self.daily = DailyCounts(database.documents("daily_applications"))

    async def create_indexes(self) -> None:
        await self.applications.raw.create_index(
            [("seeker_id", ASCENDING), ("created_at", DESCENDING)]
        )

    async def take_daily_slot(self, seeker_id: str, day: date, limit: int) -> bool:
        """One more application today, unless the seeker reached the day's limit."""
        return await self.daily.take(seeker_id, day, limit)

    async def give_back_daily_slot(self, seeker_id: str, day: date) -> None:
        await self.daily.give_back(seeker_id, day)

    async def insert(self, document: dict[str, Any]) -> bool:
        """False when the seeker already applied to this company in the period."""
        return await self.applications.insert(document)

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return await self.applications.get(application_id, {"outbox": 0})

    async def of_seeker(self, seeker_id: str, limit: int = 200) -> list[dict[str, Any]]:
        cursor = self.applications.raw.find(
            {"seeker_id": seeker_id}, {"outbox": 0}, sort=[("created_at", DESCENDING)], limit=limit
        )
        return [document async for document in cursor]

    async def forget_seeker(self, seeker_id: str) -> int:
        result = await self.applications.raw.delete_many({"seeker_id": seeker_id})
        await self.daily.forget(seeker_id)
        return int(result.deleted_count)
