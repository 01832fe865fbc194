"""What the companies service knows of each seeker, from `profile-updated`: what ranking needs.

With it, `GET /companies/for-seeker/{seeker_id}` answers without the gateway first reading the
profile from the profiles service (one hop instead of two). The events carry matching facts
only, never contact data. An erased seeker is remembered under a one-way key
(`servicekit.erasure`), so that a late `profile-updated` does not bring them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts import ProfileUpdated
from contracts.companies import CompaniesQuery
from servicekit.data import Database, Update
from servicekit.erasure import erasure_key

MAX_OCCUPATIONS = 5
NEEDS = (
    "occupations",
    "latitude",
    "longitude",
    "radius_km",
    "experience_years",
    "accessibility_needs",
)


def needs_of(profile: ProfileUpdated) -> dict[str, Any]:
    ranked = sorted(profile.occupations, key=lambda o: o.priority)
    return {
        "occupations": [o.rome_code for o in ranked][:MAX_OCCUPATIONS],
        "latitude": profile.place.latitude,
        "longitude": profile.place.longitude,
        "radius_km": profile.radius_km,
        "experience_years": profile.experience_years,
        "accessibility_needs": profile.accessibility_needs,
    }


class SeekerNeeds:
    def __init__(self, database: Database) -> None:
        self.seekers = database.documents("seekers")
        self.erasures = database.documents("erasures")

    async def remember(self, profiles: Sequence[ProfileUpdated]) -> set[str]:
        """Keep each seeker's newest needs (a conditional upsert on the version); return the
        seekers applied."""
        newest: dict[str, ProfileUpdated] = {}
        for profile in profiles:
            known = newest.get(profile.seeker_id)
            if known is None or known.version < profile.version:
                newest[profile.seeker_id] = profile
        erased = await self._erased(list(newest))
        changes = [
            Update(
                seeker_id,
                {"$set": {**needs_of(profile), "version": profile.version}},
                where={"version": {"$lt": profile.version}},
                upsert=True,
            )
            for seeker_id, profile in newest.items()
            if seeker_id not in erased
        ]
        applied = await self.seekers.update_each(changes)
        # An erasure consumed meanwhile (another consumer): it wins.
        late = await self._erased(sorted(applied))
        if late:
            await self.seekers.delete(late)
        return applied - late

    async def query_for(self, seeker_id: str, limit: int) -> CompaniesQuery | None:
        found = await self.seekers.get(seeker_id)
        if found is None:
            return None
        return CompaniesQuery(
            seeker_id=seeker_id, limit=limit, **{key: found[key] for key in NEEDS if key in found}
        )

    async def forget(self, seeker_ids: Sequence[str]) -> None:
        await self.erasures.insert_new([{"_id": erasure_key(s)} for s in seeker_ids])
        await self.seekers.delete(seeker_ids)

    async def _erased(self, seeker_ids: list[str]) -> set[str]:
        if not seeker_ids:
            return set()
        keys = {erasure_key(seeker_id): seeker_id for seeker_id in seeker_ids}
        return {keys[key] for key in await self.erasures.get_many(list(keys), {"_id": 1})}
