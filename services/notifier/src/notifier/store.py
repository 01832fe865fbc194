"""MongoDB storage: seekers' settings, alerts, per-channel deliveries, inboxes, dead letters.

Exactly-once rests on natural keys inserted once: an alert is `{seeker_id}:{offer_id}`, a
delivery `{alert_id}:{channel}`, an inbox notification `{kind}:{alert_id}`. Redelivered events and
repairs after a crash run the same idempotent steps again and bump into those keys instead of
duplicating.

FerretDB (1.24) runs findAndModify and conditional updates without isolation: two workers can both
"win" the same compare-and-set. Only a unique-key insert is atomic there. So whatever must happen
once is decided by inserting a key: a delivery claim (`{delivery_id}#{generation}`), a review
decision (the alert id), an inbox feed entry (`{recipient}#{seq}`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from notifier.due import DueIndex
from servicekit.mongo import find_by_ids, in_commands, is_ferretdb

Doc = dict[str, Any]

HELD = "held"
RELEASED = "released"
REJECTED = "rejected"
CANCELLED = "cancelled"

QUEUED = "queued"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
SKIPPED = "skipped"
WAITING_DIGEST = "waiting_digest"
DIGESTED = "digested"
UNSENT = (QUEUED, WAITING_DIGEST)
# An inbox item still without a feed position this long after it was written is a crash's
# leftover, which a redelivery repairs; a younger one is being placed by a concurrent writer.
FEED_REPAIR_AFTER = timedelta(seconds=30)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NotifierStore:
    def __init__(self, database: AsyncDatabase[Doc]) -> None:
        self.seekers = database["seekers"]
        # Who was erased, by a one-way key: late events for them are dropped, yet no store keeps
        # the seeker's id.
        self.erasures = database["erasures"]
        self.alerts = database["alerts"]
        self.deliveries = database["deliveries"]
        self.inbox = database["inbox"]
        self.sequences = database["sequences"]
        self.dead_letters = database["dead_letters"]
        self.claims = database["claims"]
        self.reviews = database["reviews"]
        self.feed = database["feed"]
        self.counsellors = database["counsellors"]
        # On FerretDB, lookups of many documents go by `_id` one at a time (servicekit.mongo).
        self.one_by_one = False
        # Queued deliveries by due time (notifier.due), and when the store was last rescanned
        # for those this replica did not plan: at least every `rescan_s`, and when nothing known
        # is due, at most every `idle_rescan_s` (monotonic seconds, not the service's clock).
        self.due = DueIndex()
        self.rescan_s = 15.0
        self.idle_rescan_s = 2.0
        self.rescan_limit = 2000
        self._rescanned_at: float | None = None
        self._rescan_took = 0.0
        self._rescan_lock = asyncio.Lock()

    async def ensure_indexes(self) -> None:
        self.one_by_one = await is_ferretdb(self.alerts.database)
        await self.inbox.create_index([("recipient", ASCENDING), ("seq", ASCENDING)])
        await self.feed.create_index([("recipient", ASCENDING), ("seq", ASCENDING)])
        await self.feed.create_index([("seeker_id", ASCENDING)])
        await self.claims.create_index([("seeker_id", ASCENDING)])
        await self.inbox.create_index([("alert_id", ASCENDING)])
        await self.inbox.create_index([("seeker_id", ASCENDING)])
        await self.deliveries.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
        await self.deliveries.create_index([("seeker_id", ASCENDING), ("channel", ASCENDING)])
        await self.deliveries.create_index([("alert_id", ASCENDING)])
        await self.alerts.create_index([("counsellor_id", ASCENDING), ("status", ASCENDING)])
        await self.alerts.create_index([("seeker_id", ASCENDING)])
        await self.alerts.create_index([("status", ASCENDING), ("planned", ASCENDING)])
        await self.alerts.create_index([("counsellor_id", ASCENDING), ("created_at", ASCENDING)])
        await self.seekers.create_index(
            [("counsellor_id", ASCENDING), ("last_activity_at", ASCENDING)]
        )
        await self.counsellors.create_index([("next_digest_at", ASCENDING)])
        await self.inbox.create_index([("digest_seekers", ASCENDING)])

    # seekers ------------------------------------------------------------------------------------

    async def seeker(self, seeker_id: str) -> Doc | None:
        found = await self.seekers.find_one({"_id": seeker_id})
        if found is None and await self.was_erased(seeker_id):
            return {"_id": seeker_id, "erased": True}
        return found

    async def was_erased(self, seeker_id: str) -> bool:
        return await self.erasures.find_one({"_id": erasure_key(seeker_id)}) is not None

    async def record_seeker_facts(self, seeker_id: str, version: int, facts: Doc) -> bool:
        """Keep the newest facts only; an erased seeker never comes back. True when applied."""
        if await self.was_erased(seeker_id):
            return False
        guard: Doc = {"version": {"$not": {"$gte": version}}, "erased": {"$ne": True}}
        if self.one_by_one:
            # FerretDB reads every document for a filter other than `_id` alone: the guard is
            # checked here. A seeker's events come in order from one partition, one at a time.
            known = await self.seekers.find_one({"_id": seeker_id}, {"version": 1, "erased": 1})
            if known is not None and (known.get("erased") or known.get("version", -1) >= version):
                return False
            guard = {}
        try:
            result = await self.seekers.update_one(
                {"_id": seeker_id, **guard},
                {"$set": {**facts, "version": version}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return result.modified_count + (1 if result.upserted_id is not None else 0) > 0

    async def save_preferences(self, seeker_id: str, preferences: Doc) -> None:
        await self.seekers.update_one(
            {"_id": seeker_id}, {"$set": {"preferences": preferences}}, upsert=True
        )

    async def erase(self, seeker_id: str, at: datetime) -> None:
        await self.erase_many([seeker_id], at)

    async def erase_many(self, seeker_ids: list[str], at: datetime) -> None:
        """Erase these seekers: one query per collection for them all (each reads the whole
        collection on FerretDB, so a batch of erasures costs what one did)."""
        seeker_ids = list(dict.fromkeys(seeker_ids))
        if not seeker_ids:
            return
        # The markers first: alerts being planned meanwhile see them and clean up after themselves.
        for seeker_id in seeker_ids:
            await self.erasures.replace_one(
                {"_id": erasure_key(seeker_id)}, {"erased_at": at}, upsert=True
            )
        for seeker_id in seeker_ids:
            await self.seekers.delete_one({"_id": seeker_id})
            await self.sequences.delete_one({"_id": f"seeker:{seeker_id}"})
        theirs = {"seeker_id": {"$in": seeker_ids}}
        await self.inbox.delete_many(theirs)
        await self.deliveries.delete_many(theirs)
        await self.dead_letters.delete_many(theirs)
        await self.alerts.delete_many(theirs)
        await self.feed.delete_many(theirs)
        await self.claims.delete_many(theirs)
        await self.reviews.delete_many(theirs)

    # counsellors --------------------------------------------------------------------------------

    async def counsellor(self, counsellor_id: str) -> Doc | None:
        return await self.counsellors.find_one({"_id": counsellor_id})

    async def register_counsellor(self, counsellor_id: str, next_digest_at: datetime) -> None:
        """Known from now on (their first digest is due then); a no-op when already known."""
        # DuplicateKeyError: registered by a concurrent event at the same moment.
        with contextlib.suppress(DuplicateKeyError):
            await self.counsellors.update_one(
                {"_id": counsellor_id},
                {"$setOnInsert": {"next_digest_at": next_digest_at}},
                upsert=True,
            )

    async def save_counsellor_preferences(
        self, counsellor_id: str, preferences: Doc, next_digest_at: datetime
    ) -> None:
        await self.counsellors.update_one(
            {"_id": counsellor_id},
            {"$set": {"preferences": preferences, "next_digest_at": next_digest_at}},
            upsert=True,
        )

    async def counsellors_due(self, now: datetime, limit: int = 200) -> list[Doc]:
        return (
            await self.counsellors.find({"next_digest_at": {"$lte": now}})
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
        await self.counsellors.update_one(
            {"_id": counsellor_id, "next_digest_at": slot}, {"$set": changes}
        )

    async def fresh_matches(
        self, counsellor_id: str, since: datetime, until: datetime
    ) -> list[Doc]:
        return await self.alerts.find(
            {
                "counsellor_id": counsellor_id,
                "created_at": {"$gt": since, "$lte": until},
                "status": {"$in": [RELEASED, HELD]},
                "offer_closed": False,
            },
            {"seeker_id": 1, "offer_id": 1, "offer_title": 1, "rome_code": 1, "score": 1},
        ).to_list(None)

    async def inactive_seekers(self, counsellor_id: str, before: datetime) -> list[Doc]:
        return await self.seekers.find(
            {"counsellor_id": counsellor_id, "last_activity_at": {"$lte": before}},
            {"last_activity_at": 1},
        ).to_list(None)

    async def digests_naming(self, seeker_ids: list[str]) -> list[Doc]:
        return await self.inbox.find({"digest_seekers": {"$in": seeker_ids}}).to_list(None)

    # alerts -------------------------------------------------------------------------------------

    async def seekers_by_id(self, seeker_ids: list[str]) -> dict[str, Doc]:
        """Known seekers by id; erased ones as `{erased: True}` (two round trips in all)."""
        found = {
            doc["_id"]: doc
            for doc in await find_by_ids(self.seekers, seeker_ids, one_by_one=self.one_by_one)
        }
        for seeker_id in await self.erased_among([s for s in seeker_ids if s not in found]):
            found[seeker_id] = {"_id": seeker_id, "erased": True}
        return found

    async def erased_among(self, seeker_ids: list[str]) -> set[str]:
        if not seeker_ids:
            return set()
        keys = {erasure_key(seeker_id): seeker_id for seeker_id in seeker_ids}
        erased = await find_by_ids(
            self.erasures, list(keys), {"_id": 1}, one_by_one=self.one_by_one
        )
        return {keys[doc["_id"]] for doc in erased}

    async def insert_alerts(self, alerts: list[Doc]) -> set[str]:
        """Insert once each; returns the ids inserted now (the others existed already)."""
        return await insert_new(self.alerts, alerts)

    async def add_to_inboxes(self, notifications: list[Doc]) -> list[Doc]:
        """`add_to_inbox` for many: the notifications added now, each with its feed position."""
        if not notifications:
            return []
        inserted = await insert_new(self.inbox, notifications)
        fresh = [n for n in notifications if n["_id"] in inserted]
        added = await self.append_feeds(fresh)
        for notification in notifications:
            if notification["_id"] not in inserted:
                # A redelivery, or a repair of one inserted before a crash: the slow path.
                repaired = await self.add_to_inbox(notification)
                if repaired is not None:
                    added.append(repaired)
        return added

    async def append_feeds(self, notifications: list[Doc]) -> list[Doc]:
        """Feed positions for many notifications: one counter bump per recipient, one insert.

        The counters are not isolated on FerretDB: a concurrent writer may be handed the same
        numbers, then the unique feed key decides and the losers take the one-by-one path.
        """
        if not notifications:
            return []
        wanted: dict[str, int] = {}
        for notification in notifications:
            wanted[notification["recipient"]] = wanted.get(notification["recipient"], 0) + 1
        recipients = list(wanted)
        bumps = [
            UpdateOne({"_id": recipient}, {"$inc": {"seq": wanted[recipient]}}, upsert=True)
            for recipient in recipients
        ]
        # Small commands: FerretDB never answers a bulk write of about 100 updates (README).
        for start, command in in_commands(bumps):
            try:
                await self.sequences.bulk_write(list(command), ordered=False)
            except BulkWriteError as error:
                if not is_duplicate(error):
                    raise
                for failed in error.details["writeErrors"]:
                    # Two first upserts of one counter: the other created it; bump it now.
                    recipient = recipients[start + failed["index"]]
                    await self.sequences.update_one(
                        {"_id": recipient}, {"$inc": {"seq": wanted[recipient]}}, upsert=True
                    )
        counters = await find_by_ids(self.sequences, list(wanted), one_by_one=self.one_by_one)
        next_seq = {c["_id"]: int(c["seq"]) - wanted[c["_id"]] + 1 for c in counters}
        entries = []
        positioned = []
        for notification in notifications:
            recipient = notification["recipient"]
            seq = next_seq[recipient]
            next_seq[recipient] += 1
            entries.append(
                {
                    "_id": f"{recipient}#{seq:012d}",
                    "recipient": recipient,
                    "seq": seq,
                    "notification_id": notification["_id"],
                    "seeker_id": notification["seeker_id"],
                }
            )
            positioned.append({**notification, "seq": seq})
        placed = await insert_new(self.feed, entries)
        added = []
        updates = []
        for entry, notification in zip(entries, positioned, strict=True):
            if entry["_id"] not in placed:
                seq = await self.append_feed(
                    notification["recipient"], notification["_id"], notification["seeker_id"]
                )
                notification["seq"] = seq
            updates.append(
                UpdateOne({"_id": notification["_id"]}, {"$set": {"seq": notification["seq"]}})
            )
            added.append(notification)
        for _, command in in_commands(updates):
            await self.inbox.bulk_write(list(command), ordered=False)
        return added

    async def mark_all_planned(self, alert_ids: list[str]) -> None:
        planned = {"$set": {"planned": True}}
        for _, ids in in_commands(alert_ids):
            if self.one_by_one:  # by `_id` alone, the one filter FerretDB serves from its index
                await self.alerts.bulk_write(
                    [UpdateOne({"_id": i}, planned) for i in ids], ordered=False
                )
            else:
                await self.alerts.update_many({"_id": {"$in": list(ids)}}, planned)

    async def closed_among(self, alert_ids: list[str]) -> list[str]:
        found = await find_by_ids(
            self.alerts, alert_ids, {"offer_closed": 1}, one_by_one=self.one_by_one
        )
        return [doc["_id"] for doc in found if doc.get("offer_closed") is True]

    async def insert_alert(self, alert: Doc) -> bool:
        try:
            await self.alerts.insert_one(alert)
        except DuplicateKeyError:
            return False
        return True

    async def alert(self, alert_id: str) -> Doc | None:
        return await self.alerts.find_one({"_id": alert_id})

    async def transition(self, alert_id: str, from_status: str, changes: Doc) -> Doc | None:
        return await self.alerts.find_one_and_update(
            {"_id": alert_id, "status": from_status},
            {"$set": changes},
            return_document=ReturnDocument.AFTER,
        )

    async def decide(self, alert: Doc, decision: str, by: str, at: datetime) -> Doc | None:
        """Record the one review decision of an alert; None when another was recorded first."""
        try:
            await self.reviews.insert_one(
                {
                    "_id": alert["_id"],
                    "seeker_id": alert["seeker_id"],
                    "decision": decision,
                    "by": by,
                    "at": at,
                }
            )
        except DuplicateKeyError:
            return None
        return {"decision": decision}

    async def decision(self, alert_id: str) -> Doc | None:
        return await self.reviews.find_one({"_id": alert_id})

    async def mark_planned(self, alert_id: str) -> None:
        await self.alerts.update_one({"_id": alert_id}, {"$set": {"planned": True}})

    async def unplanned(self, older_than: datetime, limit: int = 200) -> list[Doc]:
        return (
            await self.alerts.find(
                {"status": RELEASED, "planned": False, "released_at": {"$lte": older_than}}
            )
            .limit(limit)
            .to_list(None)
        )

    async def due_for_release(self, now: datetime, limit: int = 200) -> list[Doc]:
        return (
            await self.alerts.find({"status": HELD, "release_at": {"$lte": now}})
            .limit(limit)
            .to_list(None)
        )

    async def held_alerts(self, counsellor_id: str | None, skip: int, limit: int) -> list[Doc]:
        query: Doc = {"status": HELD}
        if counsellor_id is not None:
            query["counsellor_id"] = counsellor_id
        cursor = self.alerts.find(query).sort("created_at", ASCENDING).skip(skip).limit(limit)
        return await cursor.to_list(None)

    async def withdraw_tombstone(
        self, alert_id: str, seeker_id: str, offer_id: str, at: datetime
    ) -> None:
        """A withdrawal seen before its match: the late match must not alert anyone."""
        await self.alerts.update_one(
            {"_id": alert_id},
            {
                "$setOnInsert": {
                    "seeker_id": seeker_id,
                    "offer_id": offer_id,
                    "status": CANCELLED,
                    "planned": True,
                    "created_at": at,
                    "offer_closed": True,
                }
            },
            upsert=True,
        )

    # deliveries ---------------------------------------------------------------------------------

    async def add_deliveries(self, deliveries: list[Doc]) -> None:
        """Insert the deliveries that do not exist yet (a repeated plan bumps into the others)."""
        if not deliveries:
            return
        try:
            await self.deliveries.insert_many(deliveries, ordered=False)
        except BulkWriteError as error:
            if not is_duplicate(error):
                raise
        for delivery in deliveries:
            if delivery.get("status") == QUEUED:
                self.due.schedule(delivery["_id"], _wake_at(delivery))

    async def rescan_due(self) -> int:
        """Index the queued deliveries the store holds (others' and crashes'); how many."""
        async with self._rescan_lock:
            started = time.monotonic()
            queued = (
                await self.deliveries.find(
                    {"status": QUEUED}, {"_id": 1, "due_at": 1, "lease_until": 1}
                )
                .sort("due_at", ASCENDING)
                .limit(self.rescan_limit)
                .to_list(None)
            )
            self._rescanned_at = time.monotonic()
            self._rescan_took = self._rescanned_at - started
        for delivery in queued:
            self.due.schedule(delivery["_id"], _wake_at(delivery))
        return len(queued)

    async def _rescan_if_stale(self, now: datetime) -> None:
        last = self._rescanned_at
        since = float("inf") if last is None else time.monotonic() - last
        took = self._rescan_took
        idle = since >= paced(self.idle_rescan_s, took) and not self.due.has_due(now)
        if since >= paced(self.rescan_s, took) or idle:
            await self.rescan_due()

    async def claim_due(self, now: datetime, lease: timedelta, owner: str) -> Doc | None:
        """Claim one due delivery for `lease`; None when nothing is due (or others won them)."""
        await self._rescan_if_stale(now)
        for _ in range(16):
            delivery_id = self.due.pop_due(now)
            if delivery_id is None:
                return None
            candidate = await self.deliveries.find_one({"_id": delivery_id})
            if candidate is None or candidate.get("status") != QUEUED:
                continue  # settled, cancelled or erased since it was indexed
            wake_at = _wake_at(candidate)
            if wake_at > now:
                self.due.schedule(delivery_id, wake_at)  # deferred, or leased by another
                continue
            generation = int(candidate.get("generation", 0))
            claim_id = f"{delivery_id}#{generation}"
            try:
                await self.claims.insert_one(
                    {
                        "_id": claim_id,
                        "seeker_id": candidate.get("seeker_id"),
                        "owner": owner,
                        "at": now,
                    }
                )
            except DuplicateKeyError:
                retry_at = await self._repair_stale_claim(candidate, claim_id, now, lease)
                self.due.schedule(delivery_id, retry_at)
                continue
            claimed = {
                "generation": generation + 1,
                "lease_until": now + lease,
                "lease_owner": owner,
            }
            await self.deliveries.update_one({"_id": delivery_id}, {"$set": claimed})
            # Back when the lease ends, in case this claim is never settled.
            self.due.schedule(delivery_id, now + lease)
            return {**candidate, **claimed}
        return None

    async def _repair_stale_claim(
        self, candidate: Doc, claim_id: str, now: datetime, lease: timedelta
    ) -> datetime:
        """A claimer that died before moving the generation on: move it on (idempotent $set).

        Returns when to try the delivery again: now after a repair, else when the claim's
        lease ends.
        """
        claim = await self.claims.find_one({"_id": claim_id})
        if claim is not None and claim["at"] + lease > now:
            return as_utc(claim["at"]) + lease
        generation = int(candidate.get("generation", 0)) + 1
        await self.deliveries.update_one(
            {"_id": candidate["_id"]}, {"$max": {"generation": generation}}
        )
        return now

    async def settle(self, delivery: Doc, changes: Doc, inc: Doc | None = None) -> bool:
        """Apply the outcome of a claimed delivery, unless another claim replaced ours since."""
        update: Doc = {"$set": changes}
        if inc:
            update["$inc"] = inc
        ours: Doc = {"generation": delivery["generation"], "status": QUEUED}
        if self.one_by_one:
            # FerretDB reads every delivery for a filter beyond `_id` alone: checked here. The
            # claim (a unique key) already keeps other workers off this generation.
            current = await self.deliveries.find_one(
                {"_id": delivery["_id"]}, {"generation": 1, "status": 1}
            )
            if current is None or any(current.get(k) != v for k, v in ours.items()):
                return False
            ours = {}
        result = await self.deliveries.update_one({"_id": delivery["_id"], **ours}, update)
        if result.modified_count != 1:
            return False
        if changes.get("status", QUEUED) == QUEUED:
            self.due.schedule(delivery["_id"], _wake_at({**delivery, **changes}))
        else:
            self.due.forget(delivery["_id"])
        return True

    async def set_delivery(self, delivery_id: str, changes: Doc) -> None:
        await self.deliveries.update_one({"_id": delivery_id}, {"$set": changes})

    async def forget_alert(self, alert_id: str) -> None:
        await self.deliveries.delete_many({"alert_id": alert_id})
        for item in await self.inbox.find({"alert_id": alert_id}, {"_id": 1}).to_list(None):
            await self.feed.delete_many({"notification_id": item["_id"]})
        await self.inbox.delete_many({"alert_id": alert_id})
        await self.alerts.delete_one({"_id": alert_id})

    async def cancel_unsent(self, alert_id: str, at: datetime) -> None:
        await self.deliveries.update_many(
            # Not the "offer closed" notices: they exist because of the withdrawal.
            {"alert_id": alert_id, "status": {"$in": list(UNSENT)}, "kind": {"$ne": "closed"}},
            {"$set": {"status": CANCELLED, "settled_at": at}},
        )

    async def deliveries_of(self, alert_id: str) -> list[Doc]:
        return await self.deliveries.find({"alert_id": alert_id}).to_list(None)

    async def sent_since(self, seeker_id: str, channel: str, since: datetime) -> list[datetime]:
        found = await self.deliveries.find(
            {
                "seeker_id": seeker_id,
                "channel": channel,
                "status": SENT,
                "sent_at": {"$gt": since},
            },
            {"sent_at": 1},
        ).to_list(None)
        return [d["sent_at"] for d in found]

    async def record_push(self, seeker: Doc, at: datetime, window: timedelta) -> None:
        """Keep the seeker's pushes of the last `window` on their record, read by `_id`.

        The push budget is counted from it: a query of the deliveries by seeker, channel,
        status and time reads every delivery on FerretDB. Two workers pushing to one seeker at
        once may each miss the other's time, as two queries could each miss the other's send.
        """
        recent = [as_utc(t) for t in seeker.get("pushes_sent_at", []) if as_utc(t) > at - window]
        await self.seekers.update_one(
            {"_id": seeker["_id"]}, {"$set": {"pushes_sent_at": [*recent, at]}}
        )

    async def waiting_for_digest(self, now: datetime, limit: int = 2000) -> list[Doc]:
        return (
            await self.deliveries.find({"status": WAITING_DIGEST, "due_at": {"$lte": now}})
            .limit(limit)
            .to_list(None)
        )

    async def mark_digested(self, ids: list[str], digest_id: str, at: datetime) -> None:
        await self.deliveries.update_many(
            {"_id": {"$in": ids}, "status": WAITING_DIGEST},
            {"$set": {"status": DIGESTED, "digest_id": digest_id, "settled_at": at}},
        )

    async def digest_members(self, digest_id: str) -> list[Doc]:
        return await self.deliveries.find({"digest_id": digest_id}).to_list(None)

    async def alerts_by_id(self, ids: list[str]) -> list[Doc]:
        return await find_by_ids(self.alerts, ids, one_by_one=self.one_by_one)

    async def dead_letter(self, delivery: Doc, reason: str, at: datetime) -> None:
        await self.dead_letters.update_one(
            {"_id": delivery["_id"]},
            {
                "$setOnInsert": {
                    "seeker_id": delivery.get("seeker_id"),
                    "alert_id": delivery.get("alert_id"),
                    "channel": delivery["channel"],
                    "attempts": delivery.get("attempts", 0),
                    "reason": reason,
                    "at": at,
                }
            },
            upsert=True,
        )

    # inbox --------------------------------------------------------------------------------------

    async def next_seq(self, recipient: str) -> int:
        """A proposal only: concurrent callers may get the same number (see append_feed)."""
        while True:
            try:
                counter = await self.sequences.find_one_and_update(
                    {"_id": recipient},
                    {"$inc": {"seq": 1}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue  # two first upserts of the same counter: the other one created it
            assert counter is not None
            return int(counter["seq"])

    async def append_feed(self, recipient: str, notification_id: str, seeker_id: str) -> int:
        """Give the notification the next position of the recipient's stream (unique, growing)."""
        while True:
            seq = await self.next_seq(recipient)
            try:
                await self.feed.insert_one(
                    {
                        "_id": f"{recipient}#{seq:012d}",
                        "recipient": recipient,
                        "seq": seq,
                        "notification_id": notification_id,
                        "seeker_id": seeker_id,
                    }
                )
            except DuplicateKeyError:
                continue  # the counter is not isolated either: a concurrent writer took it
            return seq

    async def add_to_inbox(self, notification: Doc) -> Doc | None:
        """Insert once; None when it was already there (a redelivery, or a repair after a crash)."""
        try:
            await self.inbox.insert_one(notification)
        except DuplicateKeyError:
            existing = await self.inbox.find_one({"_id": notification["_id"]})
            if existing is None or "seq" in existing:
                return None
            if notification["created_at"] - existing["created_at"] < FEED_REPAIR_AFTER:
                return None  # another replica is placing it right now: it will finish
            notification = existing  # inserted, then a crash before it reached the stream
        seq = await self.append_feed(
            notification["recipient"], notification["_id"], notification["seeker_id"]
        )
        await self.inbox.update_one({"_id": notification["_id"]}, {"$set": {"seq": seq}})
        return {**notification, "seq": seq}

    async def touch_inbox(self, alert_id: str, changes: Doc) -> list[Doc]:
        """Change the notifications of an alert and put them again at the head of their streams."""
        touched = []
        for item in await self.inbox.find({"alert_id": alert_id}).to_list(None):
            seq = await self.append_feed(item["recipient"], item["_id"], item["seeker_id"])
            await self.inbox.update_one({"_id": item["_id"]}, {"$set": {**changes, "seq": seq}})
            touched.append({**item, **changes, "seq": seq})
        return touched

    async def inbox_page(
        self, recipient: str, skip: int, limit: int, unread_only: bool
    ) -> tuple[list[Doc], int, int]:
        query: Doc = {"recipient": recipient}
        if unread_only:
            query["read"] = False
        items = (
            await self.inbox.find(query)
            .sort("seq", DESCENDING)
            .skip(skip)
            .limit(limit)
            .to_list(None)
        )
        total = await self.inbox.count_documents(query)
        unread = await self.inbox.count_documents({"recipient": recipient, "read": False})
        return items, total, unread

    async def inbox_since(self, recipient: str, seq: int, limit: int) -> list[Doc]:
        """Notifications after position `seq` of the stream, each with the position it has there."""
        entries = (
            await self.feed.find({"recipient": recipient, "seq": {"$gt": seq}})
            .sort("seq", ASCENDING)
            .limit(limit)
            .to_list(None)
        )
        ids = list({e["notification_id"] for e in entries})
        found = {
            n["_id"]: n for n in await find_by_ids(self.inbox, ids, one_by_one=self.one_by_one)
        }
        return [
            {**found[e["notification_id"]], "seq": e["seq"]}
            for e in entries
            if e["notification_id"] in found
        ]

    async def mark_read(self, recipient: str, notification_id: str, at: datetime) -> Doc | None:
        return await self.inbox.find_one_and_update(
            {"_id": notification_id, "recipient": recipient},
            {"$set": {"read": True, "read_at": at}},
            return_document=ReturnDocument.AFTER,
        )


async def insert_new(collection: Any, docs: list[Doc]) -> set[str]:
    """Insert the documents whose `_id` is new; returns those ids (unique keys decide)."""
    if not docs:
        return set()
    try:
        await collection.insert_many(docs, ordered=False)
    except BulkWriteError as error:
        if not is_duplicate(error):
            raise
        failed = {docs[e["index"]]["_id"] for e in error.details.get("writeErrors", [])}
        return {doc["_id"] for doc in docs} - failed
    return {doc["_id"] for doc in docs}


# A background scan waits at least this many times as long as it took before it runs again.
SCAN_PACING = 9.0


def paced(interval_s: float, took_s: float) -> float:
    """The pause before the next run of a scan that took `took_s`: `interval_s`, or longer, so
    that scans of whole collections (FerretDB) take at most a tenth of the store's time."""
    return max(interval_s, SCAN_PACING * took_s)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _wake_at(delivery: Doc) -> datetime:
    """When a queued delivery can next be claimed: due, and no longer leased."""
    due = as_utc(delivery.get("due_at") or EPOCH)
    lease_until = as_utc(delivery.get("lease_until") or EPOCH)
    return max(due, lease_until)


def is_duplicate(error: BulkWriteError) -> bool:
    return all(e.get("code") == 11000 for e in error.details.get("writeErrors", []))


def erasure_key(seeker_id: str) -> str:
    return hashlib.sha256(f"tremplin-erased-seeker:{seeker_id}".encode()).hexdigest()
