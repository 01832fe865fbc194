"""Inboxes and their live streams: each notification once, at a unique, growing position.

A recipient's stream is the `feed`: entries `{recipient}#{seq}` pointing at notifications, read
in order of `seq` from where a client left off. Positions come from one counter per recipient;
the counter is not isolated across replicas on every store, so the feed entry's unique key
decides, and a writer that lost takes the next free position.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import DESCENDING

from notifier.store.records import (
    FEED_REPAIR_AFTER,
    Collections,
    Doc,
    notification_id,
    notification_ids,
)
from servicekit.data import Update


def feed_id(recipient: str, seq: int) -> str:
    return f"{recipient}#{seq:012d}"


def feed_entry(notification: Doc) -> Doc:
    recipient, seq = notification["recipient"], notification["seq"]
    return {
        "_id": feed_id(recipient, seq),
        "recipient": recipient,
        "seq": seq,
        "notification_id": notification["_id"],
        "seeker_id": notification["seeker_id"],
    }


class InboxRecords(Collections):
    async def add_to_inboxes(self, notifications: list[Doc]) -> list[Doc]:
        """Add the notifications not there yet; those added now, each with its feed position.

        Positions are taken first and written with the notifications: one counter bump per
        recipient, one insert of the notifications, one of their feed entries.
        """
        if not notifications:
            return []
        positioned = await self._positions(notifications)
        inserted = await self.inbox.insert_new(positioned)
        fresh = [n for n in positioned if n["_id"] in inserted]
        placed = await self.feed.insert_new([feed_entry(n) for n in fresh])
        added = []
        for notification in fresh:
            if feed_id(notification["recipient"], notification["seq"]) not in placed:
                notification = await self._place(notification)  # another writer took it
            added.append(notification)
        for notification in positioned:
            if notification["_id"] not in inserted:
                # A redelivery, or a repair of one inserted before a crash: the slow path.
                repaired = await self._repair(notification)
                if repaired is not None:
                    added.append(repaired)
        return added

    async def add_to_inbox(self, notification: Doc) -> Doc | None:
        """Insert once; None when it was already there (a redelivery, or a repair)."""
        added = await self.add_to_inboxes([notification])
        return added[0] if added else None

    async def _positions(self, notifications: list[Doc]) -> list[Doc]:
        wanted: dict[str, int] = {}
        for notification in notifications:
            wanted[notification["recipient"]] = wanted.get(notification["recipient"], 0) + 1
        bumps = [Update(r, {"$inc": {"seq": n}}, upsert=True) for r, n in wanted.items()]
        done = await self.sequences.update_each(bumps)
        for recipient in wanted:
            # Two first upserts of one counter: the other created it; bump it now.
            while recipient not in done:
                if await self.sequences.update(
                    recipient, {"$inc": {"seq": wanted[recipient]}}, upsert=True
                ):
                    done.add(recipient)
        counters = await self.sequences.get_many(list(wanted))
        next_seq = {r: int(c["seq"]) - wanted[r] + 1 for r, c in counters.items()}
        positioned = []
        for notification in notifications:
            recipient = notification["recipient"]
            positioned.append({**notification, "seq": next_seq[recipient]})
            next_seq[recipient] += 1
        return positioned

    async def _place(self, notification: Doc) -> Doc:
        """Give a stored notification the next free position of its recipient's stream."""
        seq = await self.append_feed(
            notification["recipient"], notification["_id"], notification["seeker_id"]
        )
        await self.inbox.update(notification["_id"], {"$set": {"seq": seq}})
        return {**notification, "seq": seq}

    async def _repair(self, notification: Doc) -> Doc | None:
        existing = await self.inbox.get(notification["_id"])
        if existing is None or "seq" not in existing:
            return None
        if await self.feed.get(feed_id(existing["recipient"], existing["seq"]), {"_id": 1}):
            return None  # on its stream already
        if notification["created_at"] - existing["created_at"] < FEED_REPAIR_AFTER:
            return None  # another replica is placing it right now: it will finish
        # Inserted, then a crash before it reached the stream.
        if await self.feed.insert(feed_entry(existing)):
            return existing
        return await self._place(existing)

    async def next_seq(self, recipient: str) -> int:
        """A proposal only: concurrent callers may get the same number (see append_feed)."""
        while not await self.sequences.update(recipient, {"$inc": {"seq": 1}}, upsert=True):
            pass  # two first upserts of the same counter: the other one created it
        counter = await self.sequences.get(recipient)
        assert counter is not None
        return int(counter["seq"])

    async def append_feed(self, recipient: str, notification_id: str, seeker_id: str) -> int:
        """Give the notification the next position of the recipient's stream (unique, growing)."""
        while True:
            seq = await self.next_seq(recipient)
            notification = {"_id": notification_id, "recipient": recipient, "seeker_id": seeker_id}
            if await self.feed.insert(feed_entry({**notification, "seq": seq})):
                return seq

    async def alert_notifications(self, alert_ids: list[str]) -> dict[str, list[Doc]]:
        """The notifications of these alerts, by alert (found by their keys)."""
        ids = [i for alert_id in alert_ids for i in notification_ids(alert_id)]
        found: dict[str, list[Doc]] = {}
        for item in (await self.inbox.get_many(ids)).values():
            found.setdefault(item["alert_id"], []).append(item)
        return found

    async def touch(self, items: list[Doc], changes: Doc) -> list[Doc]:
        """Change these notifications and put them again at the head of their streams: one
        counter bump per recipient, one insert of feed entries, one bulk write of the items."""
        if not items:
            return []
        positioned = await self._positions(items)
        placed = await self.feed.insert_new([feed_entry(n) for n in positioned])
        touched = []
        for item in positioned:
            if feed_id(item["recipient"], item["seq"]) not in placed:
                seq = await self.append_feed(item["recipient"], item["_id"], item["seeker_id"])
                item = {**item, "seq": seq}  # another writer took that position
            touched.append({**item, **changes})
        await self.inbox.update_each(
            [Update(t["_id"], {"$set": {**changes, "seq": t["seq"]}}) for t in touched]
        )
        return touched

    async def touch_inbox(self, alert_id: str, changes: Doc) -> list[Doc]:
        """`touch` the notifications of one alert."""
        return await self.touch(
            (await self.alert_notifications([alert_id])).get(alert_id, []), changes
        )

    async def inbox_page(
        self, recipient: str, skip: int, limit: int, unread_only: bool
    ) -> tuple[list[Doc], int, int]:
        query: Doc = {"recipient": recipient}
        if unread_only:
            query["read"] = False
        items = (
            await self.inbox.raw.find(query)
            .sort("seq", DESCENDING)
            .skip(skip)
            .limit(limit)
            .to_list(None)
        )
        total = await self.inbox.raw.count_documents(query)
        unread = await self.inbox.raw.count_documents({"recipient": recipient, "read": False})
        return items, total, unread

    async def inbox_since(self, recipient: str, seq: int, limit: int) -> list[Doc]:
        """Notifications after position `seq` of the stream, each with the position it has there.

        Read by `_id` (an entry's id is its recipient and position): the positions up to the
        recipient's counter, `limit` at most; a position never filled (a writer that lost a
        race or crashed) is passed over.
        """
        counter = await self.sequences.get(recipient, {"seq": 1})
        end = int(counter["seq"]) if counter else 0
        entries: list[Doc] = []
        while not entries and seq < end:
            last = min(end, seq + limit)
            wanted = [feed_id(recipient, n) for n in range(seq + 1, last + 1)]
            entries = sorted((await self.feed.get_many(wanted)).values(), key=lambda e: e["seq"])
            seq = last
        found = await self.inbox.get_many(e["notification_id"] for e in entries)
        return [
            {**found[e["notification_id"]], "seq": e["seq"]}
            for e in entries
            if e["notification_id"] in found
        ]

    async def mark_read(self, recipient: str, notification_id: str, at: datetime) -> Doc | None:
        changed = await self.inbox.update(
            notification_id,
            {"$set": {"read": True, "read_at": at}},
            where={"recipient": recipient},
        )
        return await self.inbox.get(notification_id) if changed else None

    async def resolve_review(self, alert_id: str, outcome: str) -> None:
        await self.inbox.update(
            notification_id("review", alert_id), {"$set": {"review": outcome, "read": True}}
        )

    async def close_notifications(self, alert_id: str) -> bool:
        """Whether the alert's notifications already say its offer closed."""
        items = await self.inbox.get_many(notification_ids(alert_id), {"offer_closed": 1})
        return any(item.get("offer_closed") for item in items.values())

    async def seen(self, notification_id: str) -> bool:
        return await self.inbox.get(notification_id, {"_id": 1}) is not None

    async def feedback_between(self, recipient: str, since: datetime, until: datetime) -> list[Doc]:
        """The seekers' "not for me" that reached this counsellor's inbox in (since, until]."""
        received = {"$gt": since, "$lte": until}
        return await self.inbox.raw.find(
            {"recipient": recipient, "kind": "feedback", "created_at": received},
            {"seeker_id": 1, "offer_id": 1, "offer_title": 1, "feedback_reason": 1},
        ).to_list(None)

    async def digests_naming(self, seeker_ids: list[str]) -> list[Doc]:
        return await self.inbox.raw.find({"digest_seekers": {"$in": seeker_ids}}).to_list(None)

    async def remove_notification(self, notification_id: str) -> None:
        await self.feed.raw.delete_many({"notification_id": notification_id})
        await self.inbox.delete([notification_id])

    async def rewrite_notification(self, notification_id: str, changes: Doc) -> None:
        await self.inbox.update(notification_id, {"$set": changes})
