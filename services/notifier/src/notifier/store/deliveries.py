"""Deliveries (one per alert and channel), their claims by workers, and dead letters.

Claiming starts from an in-process index of queued deliveries by due time (`notifier.due`), not
from a query on status and due time (a scan where secondary indexes are missing, once per claim).
The index is fed by what this replica plans and reschedules; a periodic rescan of the store adds
what other replicas planned and what a crashed one left behind. Claims go by the batch: the
deliveries read in one lookup, the claims inserted together (a unique key per generation decides
between workers, and the claim is the lease); each delivery is written once, when it is settled,
in one bulk write for the batch.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifier.due import DueIndex
from notifier.store.records import (
    CANCELLED,
    DIGESTED,
    EPOCH,
    QUEUED,
    SENT,
    UNSENT,
    WAITING_DIGEST,
    Collections,
    Doc,
    as_utc,
    delivery_ids,
    paced,
    wake_at,
)
from servicekit.data import Database, Update


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed delivery: its changes, and counters to add."""

    delivery: Doc
    changes: Doc
    inc: Doc | None = None


class DeliveryRecords(Collections):
    def __init__(self, database: Database) -> None:
        super().__init__(database)
        # Queued deliveries by due time, and when the store was last rescanned for those this
        # replica did not plan: at least every `rescan_s`, and when nothing known is due, at most
        # every `idle_rescan_s` (monotonic seconds, not the service's clock).
        self.due = DueIndex()
        self.rescan_s = 15.0
        self.idle_rescan_s = 2.0
        self.rescan_limit = 2000
        self._rescanned_at: float | None = None
        self._rescan_took = 0.0
        self._rescan_lock = asyncio.Lock()

    async def add_deliveries(self, deliveries: list[Doc], schedule: bool = True) -> None:
        """Insert the deliveries that do not exist yet (a repeated plan bumps into the others),
        and index the queued ones unless the caller will (`schedule`)."""
        if not deliveries:
            return
        await self.deliveries.insert_new(deliveries)
        if schedule:
            self.schedule(deliveries)

    def schedule(self, deliveries: list[Doc]) -> None:
        """Index the queued deliveries of this list by when they fall due."""
        for delivery in deliveries:
            if delivery.get("status") == QUEUED:
                self.due.schedule(delivery["_id"], wake_at(delivery))

    async def rescan_due(self) -> int:
        """Index the queued deliveries the store holds (others' and crashes'); how many."""
        async with self._rescan_lock:
            started = time.monotonic()
            queued = (
                await self.deliveries.raw.find(
                    {"status": QUEUED}, {"_id": 1, "due_at": 1, "lease_until": 1}
                )
                .sort("due_at", 1)
                .limit(self.rescan_limit)
                .to_list(None)
            )
            self._rescanned_at = time.monotonic()
            self._rescan_took = self._rescanned_at - started
        for delivery in queued:
            self.due.schedule(delivery["_id"], wake_at(delivery))
        return len(queued)

    async def _rescan_if_stale(self, now: datetime) -> None:
        last = self._rescanned_at
        since = float("inf") if last is None else time.monotonic() - last
        took = self._rescan_took
        idle = since >= paced(self.idle_rescan_s, took) and not self.due.has_due(now)
        if since >= paced(self.rescan_s, took) or idle:
            await self.rescan_due()

    async def claim_due(
        self, now: datetime, lease: timedelta, owner: str, limit: int = 64
    ) -> list[Doc]:
        """Claim up to `limit` due deliveries for `lease`; [] when nothing is due."""
        await self._rescan_if_stale(now)
        for _ in range(4):
            claimed, repaired = await self._claim_pass(now, lease, owner, limit)
            if claimed or not repaired:
                return claimed
        return []

    async def _claim_pass(
        self, now: datetime, lease: timedelta, owner: str, limit: int
    ) -> tuple[list[Doc], bool]:
        """One pass: the deliveries claimed, and whether a stale claim was repaired (its
        delivery is due again at once)."""
        repaired = False
        ids: list[str] = []
        while len(ids) < limit and (delivery_id := self.due.pop_due(now)) is not None:
            ids.append(delivery_id)
        if not ids:
            return [], False
        found = await self.deliveries.get_many(ids)
        candidates = []
        for delivery_id in ids:
            candidate = found.get(delivery_id)
            if candidate is None or candidate.get("status") != QUEUED:
                continue  # settled, cancelled or erased since it was indexed
            if wake_at(candidate) > now:
                self.due.schedule(delivery_id, wake_at(candidate))  # deferred, or leased
                continue
            candidates.append(candidate)
        claims = {f"{c['_id']}#{int(c.get('generation', 0))}": c for c in candidates}
        won = await self.claims.insert_new(
            [
                {"_id": claim_id, "seeker_id": c.get("seeker_id"), "owner": owner, "at": now}
                for claim_id, c in claims.items()
            ]
        )
        claimed: list[Doc] = []
        for claim_id, candidate in claims.items():
            if claim_id not in won:
                retry_at = await self._repair_stale_claim(candidate, claim_id, now, lease)
                self.due.schedule(candidate["_id"], retry_at)
                repaired = repaired or retry_at <= now
                continue
            # The claim is the lease: no write of the delivery until it is settled, which moves
            # its generation on (a claimer that dies leaves a claim that expires, see below).
            claimed.append(
                {
                    **candidate,
                    "generation": int(candidate.get("generation", 0)) + 1,
                    "lease_until": now + lease,
                    "lease_owner": owner,
                }
            )
        for delivery in claimed:
            # Back when the lease ends, in case this claim is never settled.
            self.due.schedule(delivery["_id"], now + lease)
        return claimed, repaired

    async def _repair_stale_claim(
        self, candidate: Doc, claim_id: str, now: datetime, lease: timedelta
    ) -> datetime:
        """A claimer that died before moving the generation on: move it on (idempotent $max).

        Returns when to try the delivery again: now after a repair, else when the claim's
        lease ends.
        """
        claim = await self.claims.get(claim_id)
        if claim is not None and as_utc(claim["at"]) + lease > now:
            return as_utc(claim["at"]) + lease
        generation = int(candidate.get("generation", 0)) + 1
        await self.deliveries.update(candidate["_id"], {"$max": {"generation": generation}})
        return now

    async def settle(self, delivery: Doc, changes: Doc, inc: Doc | None = None) -> bool:
        """Apply the outcome of a claimed delivery, unless another claim replaced ours since."""
        return delivery["_id"] in await self.settle_each([Outcome(delivery, changes, inc)])

    async def settle_each(self, outcomes: list[Outcome]) -> set[str]:
        """`settle` for many; the ids settled (those still ours)."""
        updates = []
        for outcome in outcomes:
            change: Doc = {"$set": outcome.changes}
            if outcome.inc:
                change["$inc"] = outcome.inc
            generation = int(outcome.delivery["generation"])
            change["$set"] = {**outcome.changes, "generation": generation}
            # A delivery never claimed before may have no generation yet (written so by older
            # versions): null matches a missing field.
            before = generation - 1 if generation > 1 else {"$in": [0, None]}
            ours = {"generation": before, "status": QUEUED}
            updates.append(Update(outcome.delivery["_id"], change, ours))
        settled = await self.deliveries.update_each(updates)
        for outcome in outcomes:
            delivery_id = outcome.delivery["_id"]
            if delivery_id not in settled:
                continue
            if outcome.changes.get("status", QUEUED) == QUEUED:
                self.due.schedule(delivery_id, wake_at({**outcome.delivery, **outcome.changes}))
            else:
                self.due.forget(delivery_id)
        return settled

    async def set_delivery(self, delivery_id: str, changes: Doc) -> None:
        await self.deliveries.update(delivery_id, {"$set": changes})

    async def cancel_unsent(self, alert_id: str, at: datetime) -> None:
        await self.cancel_unsent_many([alert_id], at)

    async def cancel_unsent_many(self, alert_ids: list[str], at: datetime) -> None:
        """Cancel what these alerts have not sent yet (not the "offer closed" notices: they
        exist because of the withdrawal)."""
        unsent = {"status": {"$in": list(UNSENT)}}
        ids = [i for alert_id in alert_ids for i in delivery_ids(alert_id, closed_notices=False)]
        found = await self.deliveries.get_many(ids, {"_id": 1}, unsent)
        cancelled = {"$set": {"status": CANCELLED, "settled_at": at}}
        await self.deliveries.update_each([Update(i, cancelled, unsent) for i in found])

    async def deliveries_of(self, alert_id: str) -> list[Doc]:
        return list((await self.deliveries.get_many(delivery_ids(alert_id))).values())

    async def sent_since(self, seeker_id: str, channel: str, since: datetime) -> list[datetime]:
        found = await self.deliveries.raw.find(
            {"seeker_id": seeker_id, "channel": channel, "status": SENT, "sent_at": {"$gt": since}},
            {"sent_at": 1},
        ).to_list(None)
        return [d["sent_at"] for d in found]

    async def waiting_for_digest(self, now: datetime, limit: int = 2000) -> list[Doc]:
        return (
            await self.deliveries.raw.find({"status": WAITING_DIGEST, "due_at": {"$lte": now}})
            .limit(limit)
            .to_list(None)
        )

    async def mark_digested(self, ids: list[str], digest_id: str, at: datetime) -> None:
        change = {"$set": {"status": DIGESTED, "digest_id": digest_id, "settled_at": at}}
        await self.deliveries.update_each(
            [Update(i, change, {"status": WAITING_DIGEST}) for i in ids]
        )

    async def digest_members(self, digest_id: str) -> list[Doc]:
        return await self.deliveries.raw.find({"digest_id": digest_id}).to_list(None)

    async def dead_letter(self, delivery: Doc, reason: str, at: datetime) -> None:
        await self.dead_letters.insert(
            {
                "_id": delivery["_id"],
                "seeker_id": delivery.get("seeker_id"),
                "alert_id": delivery.get("alert_id"),
                "channel": delivery["channel"],
                "attempts": delivery.get("attempts", 0),
                "reason": reason,
                "at": at,
            }
        )


__all__ = ["EPOCH", "DeliveryRecords", "Outcome"]
