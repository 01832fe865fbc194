"""Counsellors' decisions on training proposals, one document per seeker and session, through
the data layer; `training-recommended` in its outbox (one atomic write for both)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING

from contracts import TRAINING_RECOMMENDED, TrainingRecommended, new_envelope
from servicekit.data import Database
from servicekit.outbox import OUTBOX_FIELD, outbox_entry
from trainings.domain.recommendation import (
    Change,
    Decision,
    State,
    decide,
    recommendation_id,
)
from trainings.domain.session import Session

PRODUCER = "trainings"
# A concurrent decision on the same pair wins the race: read again and decide again.
ATTEMPTS = 5


class Conflict(Exception):
    pass


def decision_of(document: dict[str, Any] | None) -> Decision | None:
    if document is None:
        return None
    return Decision(
        state=State(document["state"]),
        counsellor_id=document["counsellor_id"],
        note=document.get("note"),
        reason=document.get("reason"),
    )


def told_entry(
    seeker_id: str, session: Session, decision: Decision, now: datetime
) -> dict[str, Any]:
    payload = TrainingRecommended.model_validate(
        {
            **session.model_dump(include={"title", "city", "starts_on"}),
            "recommendation_id": recommendation_id(seeker_id, session.id),
            "seeker_id": seeker_id,
            "session_id": session.id,
            "counsellor_id": decision.counsellor_id,
            "note": decision.note,
            "recommended_at": now,
        }
    )
    return outbox_entry(new_envelope(payload, producer=PRODUCER), TRAINING_RECOMMENDED)


class RecommendationStore:
    def __init__(self, database: Database) -> None:
        self.recommendations = database.documents("recommendations")

    async def create_indexes(self) -> None:
        await self.recommendations.raw.create_index([("seeker_id", ASCENDING)])

    async def of_seeker(self, seeker_id: str) -> list[dict[str, Any]]:
        cursor = self.recommendations.raw.find({"seeker_id": seeker_id}, {OUTBOX_FIELD: 0})
        return [document async for document in cursor]

    async def decide(
        self, seeker_id: str, session: Session, wanted: Decision, now: datetime
    ) -> tuple[dict[str, Any], Change]:
        """Apply the counsellor's decision; the document as it stands and what changed."""
        key = recommendation_id(seeker_id, session.id)
        for _ in range(ATTEMPTS):
            current = await self.recommendations.get(key)
            told = bool(current and current.get("told"))
            change = decide(decision_of(current), wanted, told)
            if not change.write:
                assert current is not None
                return current, change
            fields = {
                "seeker_id": seeker_id,
                "session_id": session.id,
                "state": wanted.state.value,
                "counsellor_id": wanted.counsellor_id,
                "note": wanted.note,
                "reason": wanted.reason,
                "decided_at": now,
                "told": told or change.tell_seeker,
            }
            event = told_entry(seeker_id, session, wanted, now) if change.tell_seeker else None
            if current is None:
                events = [event] if event else []
                document = {"_id": key, **fields, "version": 1, OUTBOX_FIELD: events}
                if await self.recommendations.insert(document):
                    return document, change
                continue
            update: dict[str, Any] = {"$set": fields, "$inc": {"version": 1}}
            if event:
                update["$push"] = {OUTBOX_FIELD: event}
            if await self.recommendations.update(
                key, update, where={"version": current["version"]}
            ):
                return {**current, **fields, "version": current["version"] + 1}, change
        raise Conflict(key)

    async def forget_seekers(self, seeker_ids: list[str]) -> int:
        cursor = self.recommendations.raw.find({"seeker_id": {"$in": seeker_ids}}, {"_id": 1})
        return await self.recommendations.delete([document["_id"] async for document in cursor])
