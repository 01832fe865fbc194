"""Applications to offers in the offers' store: one document each, its event inside."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from contracts.offer_applications import ApplicationStatus
from servicekit.daily_counts import DailyCounts
from servicekit.data import Database

APPLICATIONS = "applications"
NO_OUTBOX = {"outbox": 0}


class ApplicationStore:
    def __init__(self, database: Database) -> None:
        self.applications = database.documents(APPLICATIONS)
        self.daily = DailyCounts(database.documents("daily_applications"))

    async def create_indexes(self) -> None:
        raw = self.applications.raw
        await raw.create_index([("seeker_id", ASCENDING), ("created_at", DESCENDING)])
        await raw.create_index([("offer_id", ASCENDING), ("created_at", DESCENDING)])

    async def take_daily_slot(self, seeker_id: str, day: date, limit: int) -> bool:
        """One more application today, unless the seeker reached the day's limit."""
        return await self.daily.take(seeker_id, day, limit)

    async def give_back_daily_slot(self, seeker_id: str, day: date) -> None:
        await self.daily.give_back(seeker_id, day)

    async def insert(self, document: dict[str, Any]) -> bool:
        """False when the seeker already applied to this offer."""
        return await self.applications.insert(document)

    async def get(self, application_id: str) -> dict[str, Any] | None:
        return await self.applications.get(application_id, NO_OUTBOX)

    async def withdraw(self, application_id: str, seeker_id: str, now: datetime) -> bool:
        """The seeker takes back a submitted application of theirs; false when there is none."""
        return await self.applications.update(
            application_id,
            {"$set": {"status": ApplicationStatus.WITHDRAWN.value, "withdrawn_at": now}},
            where={"seeker_id": seeker_id, "status": ApplicationStatus.SUBMITTED.value},
        )

    async def of_seeker(self, seeker_id: str, limit: int = 200) -> list[dict[str, Any]]:
        return await self._find({"seeker_id": seeker_id}, limit)

    async def of_offer(self, offer_id: str, limit: int = 500) -> list[dict[str, Any]]:
        return await self._find({"offer_id": offer_id}, limit)

    async def _find(self, where: dict[str, Any], limit: int) -> list[dict[str, Any]]:
        cursor = self.applications.raw.find(
            where, NO_OUTBOX, sort=[("created_at", DESCENDING)], limit=limit
        )
        return [document async for document in cursor]

    async def forget_seeker(self, seeker_id: str) -> int:
        result = await self.applications.raw.delete_many({"seeker_id": seeker_id})
        await self.daily.forget(seeker_id)
        return int(result.deleted_count)
