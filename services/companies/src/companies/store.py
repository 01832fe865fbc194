"""The companies' store: establishments by SIRET, and who was shown which in a period."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING

from companies.domain.establishment import Establishment
from servicekit.data import Database, Update

OPEN = "open"
OPTED_OUT = "opted_out"
CLOSED = "closed"
FACTS = {"facts": 1, "fingerprint": 1, "status": 1}


def to_establishment(document: dict[str, Any]) -> Establishment:
    facts = dict(document["facts"])
    facts["flags"] = tuple(facts["flags"])
    return Establishment(**facts)


class EstablishmentStore:
    def __init__(self, database: Database) -> None:
        self.establishments = database.documents("establishments")
        self.exposures = database.documents("exposures")

    async def create_indexes(self) -> None:
        await self.exposures.raw.create_index([("period", ASCENDING)])

    async def is_empty(self) -> bool:
        return await self.establishments.raw.find_one({}, {"_id": 1}) is None

    async def known(self, sirets: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The fingerprint and status of those already stored, by SIRET."""
        found = await self.establishments.get_many(sirets, {"fingerprint": 1, "status": 1})
        return {
            siret: (document.get("fingerprint", ""), document.get("status", OPEN))
            for siret, document in found.items()
        }

    async def insert(self, establishments: Sequence[Establishment]) -> set[str]:
        now = datetime.now(UTC)
        documents = [
            {
                "_id": e.siret,
                "facts": asdict(e),
                "fingerprint": e.fingerprint(),
                "status": OPEN,
                "imported_at": now,
                "updated_at": now,
            }
            for e in establishments
        ]
        return {str(siret) for siret in await self.establishments.insert_new(documents)}

    async def refresh(self, establishments: Sequence[Establishment]) -> set[str]:
        """New facts for known establishments; their status (opted out, closed) stays."""
        now = datetime.now(UTC)
        updates = [
            Update(
                e.siret,
                {"$set": {"facts": asdict(e), "fingerprint": e.fingerprint(), "updated_at": now}},
            )
            for e in establishments
        ]
        return {str(siret) for siret in await self.establishments.update_each(updates)}

    async def status_of(self, siret: str) -> str | None:
        found = await self.establishments.get(siret, {"status": 1})
        return None if found is None else str(found.get("status", OPEN))

    async def set_status(self, siret: str, status: str, reason: str | None) -> bool:
        """Opted out (its reason kept) or closed: shown to no one and applied to no more."""
        change = {"status": status, "opt_out_reason": reason, "updated_at": datetime.now(UTC)}
        return await self.establishments.update(siret, {"$set": change})

    async def open_establishments(self) -> AsyncIterator[Establishment]:
        async for document in self.establishments.raw.find({"status": OPEN}, FACTS):
            yield to_establishment(document)

    # Attention: one document per (period, company, seeker), inserted once.

    async def record_exposures(self, period: str, seeker_id: str, sirets: Sequence[str]) -> None:
        await self.exposures.insert_new(
            [
                {
                    "_id": f"{period}|{siret}|{seeker_id}",
                    "period": period,
                    "siret": siret,
                    "seeker_id": seeker_id,
                }
                for siret in sirets
            ]
        )

    async def forget_seeker(self, seeker_id: str) -> None:
        await self.exposures.raw.delete_many({"seeker_id": seeker_id})

    async def exposures_of(self, period: str) -> AsyncIterator[tuple[str, str]]:
        """(siret, seeker_id) of every exposure in the period."""
        async for document in self.exposures.raw.find(
            {"period": period}, {"siret": 1, "seeker_id": 1}
        ):
            yield document["siret"], document["seeker_id"]
