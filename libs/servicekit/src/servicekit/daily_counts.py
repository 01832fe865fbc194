"""A bounded number of something a seeker may do a day (applications, for one): one document a
seeker and day, counted up only while under the limit, so that concurrent requests never pass it."""

from __future__ import annotations

from datetime import date

from servicekit.data import Documents


def slot_of(seeker_id: str, day: date) -> str:
    return f"{seeker_id}|{day.isoformat()}"


class DailyCounts:
    def __init__(self, documents: Documents) -> None:
        self.documents = documents

    async def take(self, seeker_id: str, day: date, limit: int) -> bool:
        """One more today, unless the seeker reached the day's limit."""
        return await self.documents.update(
            slot_of(seeker_id, day),
            {"$inc": {"count": 1}, "$set": {"seeker_id": seeker_id}},
            where={"count": {"$lt": limit}},
            upsert=True,
        )

    async def give_back(self, seeker_id: str, day: date) -> None:
        """What `take` counted, for an action that did not happen after all."""
        await self.documents.update(slot_of(seeker_id, day), {"$inc": {"count": -1}})

    async def forget(self, seeker_id: str) -> None:
        await self.documents.raw.delete_many({"seeker_id": seeker_id})
