"""Alerts (one per seeker and offer) and their review decisions."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING

from notifier.store.records import (
    CANCELLED,
    HELD,
    RELEASED,
    Collections,
    Doc,
)
from servicekit.data import Update


class AlertRecords(Collections):
    async def insert_alerts(self, alerts: list[Doc]) -> set[str]:
        """Insert once each; returns the ids inserted now (the others existed already)."""
        return await self.alerts.insert_new(alerts)

    async def insert_alert(self, alert: Doc) -> bool:
        return await self.alerts.insert(alert)

    async def alert(self, alert_id: str) -> Doc | None:
        return await self.alerts.get(alert_id)

    async def alerts_by_id(self, ids: list[str]) -> list[Doc]:
        return list((await self.alerts.get_many(ids)).values())

    async def closed_among(self, alert_ids: list[str]) -> list[str]:
        found = await self.alerts.get_many(alert_ids, {"offer_closed": 1})
        return [alert_id for alert_id, doc in found.items() if doc.get("offer_closed") is True]

    async def mark_planned(self, alert_id: str) -> None:
        await self.alerts.update(alert_id, {"$set": {"planned": True}})

    async def mark_all_planned(self, alert_ids: list[str]) -> None:
        await self.alerts.update_each([Update(i, {"$set": {"planned": True}}) for i in alert_ids])

    async def mark_offer_closed(self, alert_id: str) -> None:
        await self.mark_offers_closed([alert_id])

    async def mark_offers_closed(self, alert_ids: list[str]) -> None:
        closed = {"$set": {"offer_closed": True}}
        await self.alerts.update_each([Update(i, closed) for i in alert_ids])

    async def transition(self, alert_id: str, from_status: str, changes: Doc) -> Doc | None:
        """Move the alert from `from_status`; the alert as it is now, or None if it was not."""
        if not await self.alerts.update(alert_id, {"$set": changes}, where={"status": from_status}):
            return None
        return await self.alerts.get(alert_id)

    async def decide(self, alert: Doc, decision: str, by: str, at: datetime) -> Doc | None:
        """Record the one review decision of an alert; None when another was recorded first."""
        recorded = await self.reviews.insert(
            {
                "_id": alert["_id"],
                "seeker_id": alert["seeker_id"],
                "decision": decision,
                "by": by,
                "at": at,
            }
        )
        return {"decision": decision} if recorded else None

    async def decision(self, alert_id: str) -> Doc | None:
        return await self.reviews.get(alert_id)

    async def unplanned(self, older_than: datetime, limit: int = 200) -> list[Doc]:
        return (
            await self.alerts.raw.find(
                {"status": RELEASED, "planned": False, "released_at": {"$lte": older_than}}
            )
            .limit(limit)
            .to_list(None)
        )

    async def due_for_release(self, now: datetime, limit: int = 200) -> list[Doc]:
        return (
            await self.alerts.raw.find({"status": HELD, "release_at": {"$lte": now}})
            .limit(limit)
            .to_list(None)
        )

    async def held_alerts(self, counsellor_id: str | None, skip: int, limit: int) -> list[Doc]:
        query: Doc = {"status": HELD}
        if counsellor_id is not None:
            query["counsellor_id"] = counsellor_id
        cursor = self.alerts.raw.find(query).sort("created_at", ASCENDING).skip(skip).limit(limit)
        return await cursor.to_list(None)

    async def withdraw_tombstone(
        self, alert_id: str, seeker_id: str, offer_id: str, at: datetime
    ) -> None:
        """A withdrawal seen before its match: the late match must not alert anyone."""
        await self.alerts.insert(
            {
                "_id": alert_id,
                "seeker_id": seeker_id,
                "offer_id": offer_id,
                "status": CANCELLED,
                "planned": True,
                "created_at": at,
                "offer_closed": True,
            }
        )
