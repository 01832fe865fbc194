"""The notifier's collections, its statuses, and the small rules every repository shares.

Exactly-once rests on natural keys inserted once: an alert is `{seeker_id}:{offer_id}`, a
delivery `{alert_id}:{channel}`, an inbox notification `{kind}:{alert_id}`. Redelivered events and
repairs after a crash run the same idempotent steps again and bump into those keys instead of
duplicating. What must happen once across replicas is decided by inserting a key (a delivery
claim `{delivery_id}#{generation}`, a review decision, a feed position `{recipient}#{seq}`): the
one write that stays atomic on every store the data layer supports.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from servicekit.data import Database, Documents

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
# A background scan waits at least this many times as long as it took before it runs again.
SCAN_PACING = 9.0

INDEXES: dict[str, list[list[tuple[str, int]]]] = {
    "inbox": [
        [("recipient", ASCENDING), ("seq", ASCENDING)],
        [("alert_id", ASCENDING)],
        [("seeker_id", ASCENDING)],
        [("digest_seekers", ASCENDING)],
    ],
    "feed": [[("recipient", ASCENDING), ("seq", ASCENDING)], [("seeker_id", ASCENDING)]],
    "claims": [[("seeker_id", ASCENDING)]],
    "deliveries": [
        [("status", ASCENDING), ("due_at", ASCENDING)],
        [("seeker_id", ASCENDING), ("channel", ASCENDING)],
        [("alert_id", ASCENDING)],
    ],
    "alerts": [
        [("counsellor_id", ASCENDING), ("status", ASCENDING)],
        [("seeker_id", ASCENDING)],
        [("status", ASCENDING), ("planned", ASCENDING)],
        [("counsellor_id", ASCENDING), ("created_at", ASCENDING)],
    ],
    "seekers": [[("counsellor_id", ASCENDING), ("last_activity_at", ASCENDING)]],
    "counsellors": [[("next_digest_at", ASCENDING)]],
}


class Collections:
    """The notifier's collections through the data layer; each repository adds its methods."""

    def __init__(self, database: Database) -> None:
        self.seekers: Documents = database.documents("seekers")
        # Who was erased, by a one-way key: late events for them are dropped, yet no store keeps
        # the seeker's id.
        self.erasures: Documents = database.documents("erasures")
        self.alerts: Documents = database.documents("alerts")
        self.deliveries: Documents = database.documents("deliveries")
        self.inbox: Documents = database.documents("inbox")
        self.sequences: Documents = database.documents("sequences")
        self.dead_letters: Documents = database.documents("dead_letters")
        self.claims: Documents = database.documents("claims")
        self.reviews: Documents = database.documents("reviews")
        self.feed: Documents = database.documents("feed")
        self.counsellors: Documents = database.documents("counsellors")
        self.scans_are_costly = not database.capabilities.secondary_indexes

    async def ensure_indexes(self) -> None:
        for name, indexes in INDEXES.items():
            collection: Documents = getattr(self, name)
            for keys in indexes:
                await collection.raw.create_index(keys)


# What an alert can have, by natural key: notifications `{kind}:{alert_id}` and deliveries
# `{alert_id}:{channel}` (the "offer closed" notices `{alert_id}:closed:{channel}`). Finding them
# goes by `_id`, never by a query on `alert_id` (a scan where secondary indexes are missing).
ALERT_NOTIFICATIONS = ("match", "strong", "review", "relay", "training")
ALERT_CHANNELS = ("inbox", "email", "push", "sms", "counsellor")
CLOSED_NOTICE_CHANNELS = ("email", "push", "sms")


def notification_id(kind: str, alert_id: str) -> str:
    return f"{kind}:{alert_id}"


def delivery_id(alert_id: str, channel: str) -> str:
    return f"{alert_id}:{channel}"


def closed_notice_id(alert_id: str, channel: str) -> str:
    return f"{alert_id}:closed:{channel}"


def notification_ids(alert_id: str) -> list[str]:
    return [notification_id(kind, alert_id) for kind in ALERT_NOTIFICATIONS]


def delivery_ids(alert_id: str, closed_notices: bool = True) -> list[str]:
    ids = [delivery_id(alert_id, channel) for channel in ALERT_CHANNELS]
    if closed_notices:
        ids += [closed_notice_id(alert_id, channel) for channel in CLOSED_NOTICE_CHANNELS]
    return ids


def paced(interval_s: float, took_s: float) -> float:
    """The pause before the next run of a scan that took `took_s`: `interval_s`, or longer, so
    that scans of whole collections take at most a tenth of the store's time."""
    return max(interval_s, SCAN_PACING * took_s)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def wake_at(delivery: Doc) -> datetime:
    """When a queued delivery can next be claimed: due, and no longer leased."""
    due = as_utc(delivery.get("due_at") or EPOCH)
    lease_until = as_utc(delivery.get("lease_until") or EPOCH)
    return max(due, lease_until)
