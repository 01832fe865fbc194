"""Counsellors the notifier knows, and when their next digest is due."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING

from notifier.store.records import HELD, RELEASED, Collections, Doc


class CounsellorRecords(Collections):
    async def counsellor(self, counsellor_id: str) -> Doc | None:
        return await self.counsellors.get(counsellor_id)

    async def counsellors_by_id(self, counsellor_ids: list[str]) -> dict[str, Doc]:
        return await self.counsellors.get_many(counsellor_ids)

    async def register_counsellor(self, counsellor_id: str, next_digest_at: datetime) -> None:
        """Known from now on (their first digest is due then); a no-op when already known."""
        await self.counsellors.insert({"_id": counsellor_id, "next_digest_at": next_digest_at})

    async def save_counsellor_preferences(
        self, counsellor_id: str, preferences: Doc, next_digest_at: datetime
    ) -> None:
        await self.counsellors.update(
            counsellor_id,
            {"$set": {"preferences": preferences, "next_digest_at": next_digest_at}},
            upsert=True,
        )

    async def counsellors_due(self, now: datetime, limit: int = 200) -> list[Doc]:
        return (
            await self.counsellors.raw.find({"next_digest_at": {"$lte": now}})
            .sort("next_digest_at", ASCENDING)
            .limit(limit)
            .to_list(None)
        )

    async def digest_done(
        self, counsellor_id: str, slot: datetime, next_at: datetime, covered_until: datetime | None
    ) -> None:
        """Move the counsellor on to the next slot (unless their preferences moved it meanwhile)."""
        changes: Doc = {"next_digest_at": next_at}
        if covered_until is not None:
            changes["covered_until"] = covered_until
        await self.counsellors.update(
            counsellor_id, {"$set": changes}, where={"next_digest_at": slot}
        )

    async def fresh_matches(
        self, counsellor_id: str, since: datetime, until: datetime
    ) -> list[Doc]:
        return await self.alerts.raw.find(
            {
                "counsellor_id": counsellor_id,
                "created_at": {"$gt": since, "$lte": until},
                "status": {"$in": [RELEASED, HELD]},
                "offer_closed": False,
            },
            {"seeker_id": 1, "offer_id": 1, "offer_title": 1, "rome_code": 1, "score": 1},
        ).to_list(None)
