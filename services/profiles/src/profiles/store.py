"""Profiles in MongoDB: one document per seeker, its outbox inside it.

A profile write and the `profile-updated` event it causes are one atomic update of one document;
the outbox relay publishes the event afterwards. Erasure replaces the document by a tombstone that
holds nothing but the id and the pending `profile-deleted`; the relay deletes it once published.

Every write is conditional on the version it read (optimistic concurrency) and goes through the
data layer (`servicekit.data`), which knows what the store isolates.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING

from contracts import (
    PROFILE_DELETED,
    PROFILE_UPDATED,
    ProfileDeleted,
    ProfileUpdated,
    SeekerFacts,
    new_envelope,
)
from profiles.domain.profile import SeekerProfile, facts_of, fingerprint
from servicekit.data import ConcurrentUpdateError, Database
from servicekit.outbox import TOMBSTONE, outbox_entry, tombstone_entry

PRODUCER = "profiles"


class VersionMismatchError(Exception):
    pass


@dataclass(frozen=True)
class Saved:
    version: int
    created: bool
    published: bool


@dataclass(frozen=True)
class Stored:
    profile: SeekerProfile
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class Assignment:
    counsellor_id: str | None
    previous: str | None
    reason: str
    by: str
    at: datetime


class ProfileStore:
    def __init__(self, database: Database) -> None:
        self.profiles = database.documents("profiles")

    async def ensure_indexes(self) -> None:
        await self.profiles.raw.create_index([("counsellor_id", ASCENDING), ("_id", ASCENDING)])

    async def get(self, seeker_id: str) -> Stored | None:
        document = await self.profiles.get(
            seeker_id, {"profile": 1, "version": 1, "updated_at": 1, TOMBSTONE: 1}
        )
        if document is None or document.get(TOMBSTONE):
            return None
        return _stored(document)

    async def get_many(self, seeker_ids: list[str]) -> dict[str, Stored]:
        found = await self.profiles.get_many(
            seeker_ids, {"profile": 1, "version": 1, "updated_at": 1, TOMBSTONE: 1}
        )
        return {
            seeker_id: _stored(document)
            for seeker_id, document in found.items()
            if not document.get(TOMBSTONE)
        }

    async def put(
        self,
        seeker_id: str,
        profile: SeekerProfile,
        expected_version: int | None = None,
        assignment: Assignment | None = None,
    ) -> Saved:
        """Store the profile; queue `profile-updated` atomically if its matching facts changed.

        With `expected_version`, the write applies only on top of that version (read-modify-write).
        """
        facts = facts_of(profile)
        new_fingerprint = fingerprint(facts)
        now = datetime.now(UTC)
        state: dict[str, Any] = {
            "profile": profile.model_dump(mode="json"),
            "counsellor_id": profile.counsellor_id,
            "updated_at": now,
        }
        for _ in range(10):
            current = await self.profiles.get(
                seeker_id, {"version": 1, "fingerprint": 1, TOMBSTONE: 1}
            )
            if current is None or current.get(TOMBSTONE):
                if expected_version is not None:
                    raise VersionMismatchError(seeker_id)
                if await self._create(seeker_id, state, facts, new_fingerprint, current, now):
                    return Saved(version=1, created=True, published=True)
                continue
            version = current["version"]
            if expected_version is not None and version != expected_version:
                raise VersionMismatchError(seeker_id)
            update: dict[str, Any] = {"$set": state}
            published = current["fingerprint"] != new_fingerprint
            if published:
                version += 1
                update["$set"] = {**state, "version": version, "fingerprint": new_fingerprint}
                update["$push"] = {"outbox": self._updated(seeker_id, version, facts)}
            if assignment is not None:
                update.setdefault("$push", {})["assignments"] = _assignment(assignment)
            where = {"version": current["version"], TOMBSTONE: {"$exists": False}}
            if await self.profiles.update(seeker_id, update, where=where):
                return Saved(version=version, created=False, published=published)
        raise ConcurrentUpdateError(seeker_id)

    async def _create(
        self,
        seeker_id: str,
        state: dict[str, Any],
        facts: SeekerFacts,
        new_fingerprint: str,
        tombstone: dict[str, Any] | None,
        now: datetime,
    ) -> bool:
        document = {
            **state,
            "created_at": now,
            "version": 1,
            "fingerprint": new_fingerprint,
            "assignments": [],
        }
        event = self._updated(seeker_id, 1, facts)
        if tombstone is not None:
            # A seeker who comes back while their erasure is still being announced: the new
            # profile's event is queued after the pending profile-deleted, in order.
            return await self.profiles.update(
                seeker_id,
                {"$set": document, "$unset": {TOMBSTONE: ""}, "$push": {"outbox": event}},
                where={TOMBSTONE: True},
            )
        return await self.profiles.insert({"_id": seeker_id, **document, "outbox": [event]})

    async def erase(self, seeker_id: str) -> bool:
        """Remove every personal datum at once, leaving a tombstone until the event is out."""
        event = outbox_entry(
            new_envelope(
                ProfileDeleted(seeker_id=seeker_id, deleted_at=datetime.now(UTC)),
                producer=PRODUCER,
            ),
            PROFILE_DELETED,
        )
        # Then the seeker's facts leave the compacted profile-updated topic too.
        forget = tombstone_entry(PROFILE_UPDATED, seeker_id)
        return await self.profiles.replace(
            seeker_id,
            {"_id": seeker_id, TOMBSTONE: True, "outbox": [event, forget]},
            where={TOMBSTONE: {"$exists": False}},
        )

    async def caseload(
        self, counsellor_id: str, skip: int, limit: int
    ) -> tuple[list[tuple[str, Stored]], int]:
        query = {"counsellor_id": counsellor_id, TOMBSTONE: {"$exists": False}}
        total = await self.profiles.raw.count_documents(query)
        cursor = (
            self.profiles.raw.find(query, {"profile": 1, "version": 1, "updated_at": 1})
            .sort("_id", ASCENDING)
            .skip(skip)
            .limit(limit)
        )
        rows = [
            (
                document["_id"],
                Stored(
                    SeekerProfile.model_validate(document["profile"]),
                    document["version"],
                    document["updated_at"],
                ),
            )
            async for document in cursor
        ]
        return rows, total

    async def assignments(self, seeker_id: str) -> list[Assignment]:
        document = await self.profiles.get(seeker_id, {"assignments": 1, TOMBSTONE: 1})
        if document is None or document.get(TOMBSTONE):
            return []
        return [Assignment(**entry) for entry in document.get("assignments", [])]

    @staticmethod
    def _updated(seeker_id: str, version: int, facts: SeekerFacts) -> dict[str, Any]:
        payload = ProfileUpdated(seeker_id=seeker_id, version=version, **dict(facts))
        return outbox_entry(new_envelope(payload, producer=PRODUCER), PROFILE_UPDATED)


def _stored(document: dict[str, Any]) -> Stored:
    return Stored(
        SeekerProfile.model_validate(document["profile"]),
        document["version"],
        document["updated_at"],
    )


def _assignment(assignment: Assignment) -> dict[str, Any]:
    return {
        "counsellor_id": assignment.counsellor_id,
        "previous": assignment.previous,
        "reason": assignment.reason,
        "by": assignment.by,
        "at": assignment.at,
    }
