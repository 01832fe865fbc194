"""Profiles in MongoDB: one document per seeker, its outbox inside."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from contracts import PROFILE_UPDATED, ProfileUpdated, new_envelope
from profiles.domain.profile import SeekerProfile, facts_of, fingerprint
from servicekit.outbox import outbox_entry

PRODUCER = "profiles"


class ConcurrentUpdateError(Exception):
    pass


@dataclass(frozen=True)
class Saved:
    version: int
    created: bool
    published: bool


class ProfileStore:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self.profiles = database["profiles"]

    async def get(self, seeker_id: str) -> tuple[SeekerProfile, int] | None:
        document = await self.profiles.find_one({"_id": seeker_id}, {"profile": 1, "version": 1})
        if document is None:
            return None
        return SeekerProfile.model_validate(document["profile"]), document["version"]

    async def put(self, seeker_id: str, profile: SeekerProfile) -> Saved:
        """Store the profile; queue `profile-updated` atomically if its matching facts changed."""
        facts = facts_of(profile)
        new_fingerprint = fingerprint(facts)
        now = datetime.now(UTC)
        state = {"profile": profile.model_dump(mode="json"), "updated_at": now}
        for _ in range(10):
            current = await self.profiles.find_one(
                {"_id": seeker_id}, {"version": 1, "fingerprint": 1}
            )
            if current is None:
                event = self._event(seeker_id, 1, facts)
                try:
                    await self.profiles.insert_one(
                        {
                            "_id": seeker_id,
                            **state,
                            "created_at": now,
                            "version": 1,
                            "fingerprint": new_fingerprint,
                            "outbox": [event],
                        }
                    )
                except DuplicateKeyError:
                    continue
                return Saved(version=1, created=True, published=True)
            version = current["version"]
            if current["fingerprint"] == new_fingerprint:
                update: dict[str, Any] = {"$set": state}
                published = False
            else:
                version += 1
                update = {
                    "$set": {**state, "version": version, "fingerprint": new_fingerprint},
                    "$push": {"outbox": self._event(seeker_id, version, facts)},
                }
                published = True
            result = await self.profiles.update_one(
                {"_id": seeker_id, "version": current["version"]}, update
            )
            if result.matched_count == 1:
                return Saved(version=version, created=False, published=published)
        raise ConcurrentUpdateError(seeker_id)

    @staticmethod
    def _event(seeker_id: str, version: int, facts: Any) -> dict[str, Any]:
        payload = ProfileUpdated(seeker_id=seeker_id, version=version, **dict(facts))
        return outbox_entry(new_envelope(payload, producer=PRODUCER), PROFILE_UPDATED)
