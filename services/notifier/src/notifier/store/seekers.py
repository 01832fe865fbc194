"""What the notifier keeps of seekers: matching facts, preferences, push times, erasures."""

from __future__ import annotations

from datetime import datetime, timedelta

from notifier.store.records import Collections, Doc, as_utc
from servicekit.data import Update
from servicekit.erasure import erasure_key


class SeekerRecords(Collections):
    async def seeker(self, seeker_id: str) -> Doc | None:
        found = await self.seekers.get(seeker_id)
        if found is None and await self.was_erased(seeker_id):
            return {"_id": seeker_id, "erased": True}
        return found

    async def was_erased(self, seeker_id: str) -> bool:
        return await self.erasures.get(erasure_key(seeker_id), {"_id": 1}) is not None

    async def seekers_by_id(self, seeker_ids: list[str]) -> dict[str, Doc]:
        """Known seekers by id; erased ones as `{erased: True}` (two round trips in all)."""
        found = await self.seekers.get_many(seeker_ids)
        for seeker_id in await self.erased_among([s for s in seeker_ids if s not in found]):
            found[seeker_id] = {"_id": seeker_id, "erased": True}
        return found

    async def erased_among(self, seeker_ids: list[str]) -> set[str]:
        if not seeker_ids:
            return set()
        keys = {erasure_key(seeker_id): seeker_id for seeker_id in seeker_ids}
        erased = await self.erasures.get_many(list(keys), {"_id": 1})
        return {keys[key] for key in erased}

    async def record_seeker_facts(self, seeker_id: str, version: int, facts: Doc) -> bool:
        """Keep the newest facts only; an erased seeker never comes back. True when applied."""
        return seeker_id in await self.record_seekers_facts([(seeker_id, version, facts)])

    async def record_seekers_facts(self, changes: list[tuple[str, int, Doc]]) -> set[str]:
        """`record_seeker_facts` for many seekers (one each): the ids applied.

        New seekers are inserted together; known ones updated in bulk, each on the condition
        that its stored version is older (a concurrent writer's newer facts stay).
        """
        erased = await self.erased_among([seeker_id for seeker_id, _, _ in changes])
        wanted = {s: (v, facts) for s, v, facts in changes if s not in erased}
        known = await self.seekers.get_many(wanted, {"_id": 1})
        inserted = await self.seekers.insert_new(
            [
                {"_id": seeker_id, **facts, "version": version}
                for seeker_id, (version, facts) in wanted.items()
                if seeker_id not in known
            ]
        )
        applied = await self.seekers.update_each(
            [
                Update(
                    seeker_id,
                    {"$set": {**facts, "version": version}},
                    {"version": {"$not": {"$gte": version}}, "erased": {"$ne": True}},
                )
                for seeker_id, (version, facts) in wanted.items()
                if seeker_id not in inserted
            ]
        )
        return inserted | applied

    async def save_preferences(self, seeker_id: str, preferences: Doc) -> None:
        await self.seekers.update(seeker_id, {"$set": {"preferences": preferences}}, upsert=True)

    async def record_push(self, seeker: Doc, pushed: list[datetime], window: timedelta) -> None:
        """Keep the seeker's pushes of the last `window` on their record, read by `_id`.

        The push budget is counted from it, not from a query of the deliveries by seeker,
        channel, status and time (a scan where secondary indexes are missing). Two workers
        pushing to one seeker at once may each miss the other's time, as two queries could each
        miss the other's send.
        """
        since = max(pushed) - window
        recent = [as_utc(t) for t in seeker.get("pushes_sent_at", []) if as_utc(t) > since]
        await self.seekers.update(seeker["_id"], {"$set": {"pushes_sent_at": [*recent, *pushed]}})

    async def inactive_seekers(self, counsellor_id: str, before: datetime) -> list[Doc]:
        return await self.seekers.raw.find(
            {"counsellor_id": counsellor_id, "last_activity_at": {"$lte": before}},
            {"last_activity_at": 1},
        ).to_list(None)

    async def erase(self, seeker_id: str, at: datetime) -> None:
        await self.erase_many([seeker_id], at)

    async def erase_many(self, seeker_ids: list[str], at: datetime) -> None:
        """Erase these seekers: one query per collection for them all (a batch of erasures
        costs what one did where queries by seeker read whole collections)."""
        seeker_ids = list(dict.fromkeys(seeker_ids))
        if not seeker_ids:
            return
        # The markers first: alerts being planned meanwhile see them and clean up after themselves.
        await self.erasures.insert_new(
            [{"_id": erasure_key(s), "erased_at": at} for s in seeker_ids]
        )
        await self.forget_seekers(seeker_ids)

    async def forget_seekers(self, seeker_ids: list[str]) -> None:
        """Everything of these erased seekers, their markers aside: at the erasure, and again by
        whatever was writing for them meanwhile (an alert planned then re-creates a stream)."""
        await self.seekers.delete(seeker_ids)
        await self.sequences.delete(f"seeker:{s}" for s in seeker_ids)
        theirs = {"seeker_id": {"$in": seeker_ids}}
        for collection in (
            self.inbox,
            self.deliveries,
            self.dead_letters,
            self.alerts,
            self.feed,
            self.claims,
            self.reviews,
        ):
            await collection.raw.delete_many(theirs)
