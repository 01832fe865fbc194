"""Applications to offers in the offers' store: one document each, its event inside (an
application's id says the seeker and the offer: one each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from contracts.offer_applications import ApplicationStatus
from servicekit.seeker_applications import SeekerApplications


class ApplicationStore(SeekerApplications):
    LISTED_BY: ClassVar[tuple[str, ...]] = ("seeker_id", "offer_id")

    async def withdraw(self, application_id: str, seeker_id: str, now: datetime) -> bool:
        """The seeker takes back a submitted application of theirs; false when there is none."""
        return await self.applications.update(
            application_id,
            {"$set": {"status": ApplicationStatus.WITHDRAWN.value, "withdrawn_at": now}},
            where={"seeker_id": seeker_id, "status": ApplicationStatus.SUBMITTED.value},
        )

    async def of_offer(self, offer_id: str, limit: int = 500) -> list[dict[str, Any]]:
        return await self.listed({"offer_id": offer_id}, limit)
