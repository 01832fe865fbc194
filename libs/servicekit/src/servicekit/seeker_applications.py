"""Seekers' applications in a service's store (offers, companies): one document each, its event
inside, read newest first; a bounded number a seeker and day; all forgotten with the seeker."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from pymongo import ASCENDING, DESCENDING

from servicekit.compound_indexes import ensure_indexes
from servicekit.daily_counts import DailyCounts
from servicekit.data import Database

APPLICATIONS = "applications"
NO_OUTBOX = {"outbox": 0}


class SeekerApplications:
    # Each field is indexed with the creation date, to list an owner's applications newest first.
    LISTED_BY: ClassVar[tuple[str, ...]] = ("seeker_id",)

    def __init__(self, database: Database) -> None:
        self.applications = database.documents(APPLICATIONS)
        self.daily = DailyCounts(database.documents("daily_applications"))

    async def create_indexes(self) -> None:
        listings = [[(owner, ASCENDING), ("created_at", DESCENDING)] for owner in self.LISTED_BY]
        await ensure_indexes(self.applications, listings)

    async def take_daily_slot(self, seeker_id: str, day: date, limit: int) -> bool:
        """One more application today, unless the seeker reached the day's limit."""
        return await self.daily.take(seeker_id, day, limit)

    async def give_back_daily_slot(self, seeker_id: str, day: date) -> None:
        await self.daily.give_back(seeker_id, day)

    async def insert(self, document: dict[str, Any]) -> bool:
        """False when an application with this id exists: the seeker applied already."""
        return await self.applications.insert(document)

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return await self.applications.get(application_id, NO_OUTBOX)

    async def of_seeker(self, seeker_id: str, limit: int = 200) -> list[dict[str, Any]]:
        return await self.listed({"seeker_id": seeker_id}, limit)

    async def listed(self, where: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        cursor = self.applications.raw.find(
            where, NO_OUTBOX, sort=[("created_at", DESCENDING)], limit=limit
        )
        return [document async for document in cursor]

    async def forget_seeker(self, seeker_id: str) -> int:
        result = await self.applications.raw.delete_many({"seeker_id": seeker_id})
        await self.daily.forget(seeker_id)
        return int(result.deleted_count)
