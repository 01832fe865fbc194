"""What every use case of the notifier shares: its settings, clock, store, and how a
notification is written and announced."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from notifier.channels import Sender
from notifier.contacts import ContactDirectory, ContactUnavailable
from notifier.domain.model import (
    DEFAULT_TIME_ZONE,
    INTRUSIVE,
    Category,
    Channel,
    Clock,
    Contact,
    CounsellorPreferences,
    Frequency,
    Language,
    Preferences,
    WorkingHours,
)
from notifier.domain.rules import (
    next_digest_at,
    send_at,
)
from notifier.domain.templates import (
    MatchFacts,
    Message,
    counsellor_message,
    match_message,
)
from notifier.live import LiveFeed
from notifier.store import (
    CANCELLED,
    DELIVERED,
    FAILED,
    HELD,
    QUEUED,
    REJECTED,
    SENT,
    SKIPPED,
    WAITING_DIGEST,
    Doc,
    NotifierStore,
    delivery_id,
    notification_id,
)
from servicekit.metrics import counter
from servicekit.tracing import current_traceparent
from wording import Namer, render

log = logging.getLogger(__name__)
ALERTS = counter(
    "tremplin_notifier_alerts_total",
    "Alert deliveries settled, by channel (email, push, sms, sse) and status (sent, failed, "
    "skipped, cancelled, waiting-digest, retrying, deferred...).",
    ["channel", "status"],
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The sliding window of a seeker's push budget (`max_push_per_hour`).
PUSH_WINDOW = timedelta(hours=1)


class AlertNotFound(Exception):
    pass


class AlertNotHeld(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


# An alert about a training a counsellor recommends (no `kind`: about an offer).
TRAINING = "training"


def seeker_recipient(seeker_id: str) -> str:
    return f"seeker:{seeker_id}"


def counsellor_recipient(counsellor_id: str) -> str:
    return f"counsellor:{counsellor_id}"


def alert_id_of(seeker_id: str, offer_id: str) -> str:
    return f"{seeker_id}:{offer_id}"


def said_reasons(reasons: Iterable[Any], language: Language, names: Namer | None) -> list[str]:
    """An alert's reasons in `language`: codes and figures said by the wording catalogue (alerts
    stored before kept French sentences, said as they are)."""
    return [r if isinstance(r, str) else render(r, language, names) for r in reasons]


def facts_of(
    alert: Doc, language: Language = Language.FR, names: Namer | None = None
) -> MatchFacts:
    return MatchFacts(
        offer_id=alert["offer_id"],
        offer_title=alert.get("offer_title", ""),
        distance_km=float(alert.get("distance_km", 0.0)),
        reasons=tuple(said_reasons(alert.get("reasons", ()), language, names)),
        note=alert.get("note"),
        training=alert.get("kind") == TRAINING,
    )


def preferences_of(seeker: Doc | None) -> Preferences:
    stored = (seeker or {}).get("preferences")
    return Preferences.model_validate(stored) if stored else Preferences()


def counsellor_preferences_of(counsellor: Doc | None, default_zone: str) -> CounsellorPreferences:
    """A counsellor's preferences; until they set their working hours, the service's zone."""
    stored = (counsellor or {}).get("preferences")
    if stored:
        return CounsellorPreferences.model_validate(stored)
    return CounsellorPreferences(working_hours=WorkingHours(time_zone=default_zone))


@dataclass(frozen=True)
class Locale:
    """A seeker's language, and their own time zone when the profiles service could tell it."""

    language: Language = Language.FR
    zone: ZoneInfo | None = None


def locale_of(contact: Contact | None) -> Locale:
    return Locale(contact.language, contact.zone) if contact is not None else Locale()


def alert_status(alert: Doc, deliveries: list[Doc]) -> str:
    """queued, held, sent, delivered, failed, cancelled or rejected."""
    if alert["status"] in (HELD, CANCELLED, REJECTED):
        return str(alert["status"])
    states = {d["status"] for d in deliveries}
    if DELIVERED in states:
        return DELIVERED
    if SENT in states:
        return SENT
    if states and states <= {FAILED, SKIPPED, CANCELLED}:
        return FAILED if FAILED in states else CANCELLED
    return QUEUED


class NotifierBase:
    def __init__(
        self,
        store: NotifierStore,
        clock: Clock,
        contacts: ContactDirectory,
        senders: Mapping[Channel, Sender],
        live: LiveFeed,
        *,
        instance_id: str,
        default_zone: str = DEFAULT_TIME_ZONE,
        max_attempts: int = 5,
        retry_base_s: float = 30.0,
        retry_cap_s: float = 3600.0,
        lease_s: float = 60.0,
        auto_release_hours: float | None = None,
        digest_hour: int = 9,
        tension: Mapping[str, float] | None = None,
        min_tension_pct: float = 60.0,
        inactive_days: int = 14,
        counsellor_digest_max_lines: int = 30,
        names: Namer | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.contacts = contacts
        self.senders = senders
        self.live = live
        self.instance_id = instance_id
        self.default_zone = ZoneInfo(default_zone)
        self.max_attempts = max_attempts
        self.retry_base_s = retry_base_s
        self.retry_cap_s = retry_cap_s
        self.lease = timedelta(seconds=lease_s)
        self.auto_release = (
            timedelta(hours=auto_release_hours) if auto_release_hours is not None else None
        )
        self.digest_at = time(digest_hour, 0)
        self.work_available = asyncio.Event()
        self.tension: Mapping[str, float] = tension or {}
        self.min_tension_pct = min_tension_pct
        self.inactive_days = inactive_days
        self.counsellor_digest_max_lines = counsellor_digest_max_lines
        # Occupations named in the reasons (without: their ROME codes).
        self.names = names
        self._known_counsellors: set[str] = set()

    def _base_delivery(self, alert: Doc, now: datetime) -> Doc:
        return {
            "alert_id": alert["_id"],
            "seeker_id": alert["seeker_id"],
            "score": alert.get("score", 0.0),
            "kind": "alert",
            "attempts": 0,
            "generation": 0,
            "lease_until": EPOCH,
            "created_at": now,
        }

    def _seeker_deliveries(
        self,
        alert: Doc,
        preferences: Preferences,
        now: datetime,
        zone: ZoneInfo | None,
        category: Category = Category.NEW_MATCH,
    ) -> list[Doc]:
        """The inbox (delivered at once) and the intrusive channels the seeker chose, planned in
        the seeker's own zone. Without it (the profiles service did not answer), an instant
        delivery is due now and the worker applies quiet hours in the zone it reads then; a
        digest slot falls in the service's default zone."""
        base = self._base_delivery(alert, now)
        deliveries: list[Doc] = []
        for channel in preferences.channels_for(category):
            if channel not in INTRUSIVE:
                continue
            delivery = {
                **base,
                "_id": delivery_id(alert["_id"], channel.value),
                "channel": channel.value,
            }
            if preferences.frequency is Frequency.INSTANT:
                due = send_at(now, preferences.quiet_hours, zone) if zone else now
                deliveries.append({**delivery, "status": QUEUED, "due_at": due})
            else:
                slot = next_digest_at(
                    now, preferences.frequency, zone or self.default_zone, self.digest_at
                )
                deliveries.append({**delivery, "status": WAITING_DIGEST, "due_at": slot})
        deliveries.append(
            {
                **base,
                "_id": delivery_id(alert["_id"], Channel.INBOX.value),
                "channel": Channel.INBOX.value,
                "status": DELIVERED,
                "sent_at": now,
            }
        )
        return deliveries

    async def _locale(self, seeker_id: str) -> Locale:
        try:
            return locale_of(await self.contacts.channels(seeker_id))
        except ContactUnavailable:
            return Locale()

    async def _locales(self, seeker_ids: set[str]) -> dict[str, Locale]:
        """Each seeker's language and zone, asked of the profiles service for them all at once."""
        try:
            contacts = await self.contacts.channels_of(sorted(seeker_ids))
        except ContactUnavailable:
            contacts = {}
        return {s: locale_of(contacts.get(s)) for s in seeker_ids}

    async def _notify_seeker(self, alert: Doc, language: Language) -> None:
        message = match_message(facts_of(alert, language, self.names), language)
        await self._add_notification(
            notification_id("match", alert["_id"]),
            seeker_recipient(alert["seeker_id"]),
            "match",
            alert,
            message,
        )

    async def counsellor_languages(self, counsellor_ids: Iterable[str]) -> dict[str, Language]:
        """Each counsellor's language, as their preferences say (the default before they set it)."""
        ids = sorted(set(counsellor_ids))
        found = await self.store.counsellors_by_id(ids)
        return {
            c: counsellor_preferences_of(found.get(c), self.default_zone.key).language for c in ids
        }

    async def _notify_counsellor(self, alert: Doc, kind: str) -> None:
        languages = await self.counsellor_languages([alert["counsellor_id"]])
        notification = self._counsellor_notification(alert, kind, languages[alert["counsellor_id"]])
        added = await self.store.add_to_inbox(notification)
        if added is not None:
            await self.live.announce(added["recipient"], added["_id"], added["seq"])

    def _counsellor_notification(self, alert: Doc, kind: str, language: Language) -> Doc:
        facts = facts_of(alert, language, self.names)
        message = counsellor_message(kind, facts, alert["seeker_id"], language)
        recipient = counsellor_recipient(alert["counsellor_id"])
        return self._notification(
            notification_id(kind, alert["_id"]), recipient, kind, alert, message
        )

    def _notification(
        self, notification_id: str, recipient: str, kind: str, alert: Doc, message: Message
    ) -> Doc:
        return {
            "_id": notification_id,
            "recipient": recipient,
            "kind": kind,
            "seeker_id": alert["seeker_id"],
            "alert_id": alert["_id"],
            "offer_id": alert["offer_id"],
            "title": message.title,
            "body": message.body,
            "reasons": list(message.reasons),
            "score": alert.get("score"),
            "strong": alert.get("strong", False),
            "read": False,
            "offer_closed": False,
            "created_at": self.clock.now(),
            # The trace of the match, continued by the span of its delivery on a stream.
            **current_traceparent(),
        }

    async def _add_notification(
        self, notification_id: str, recipient: str, kind: str, alert: Doc, message: Message
    ) -> None:
        added = await self.store.add_to_inbox(
            self._notification(notification_id, recipient, kind, alert, message)
        )
        if added is not None:
            await self.live.announce(recipient, notification_id, added["seq"])


def status_view(alert: Doc, deliveries: list[Doc]) -> dict[str, Any]:
    return {
        "alert_id": alert["_id"],
        "status": alert_status(alert, deliveries),
        "offer_closed": bool(alert.get("offer_closed")),
        "review": alert.get("status") if alert.get("needs_review") else None,
        "channels": {
            d["channel"]: {
                "status": d["status"],
                "attempts": d.get("attempts", 0),
                "due_at": d.get("due_at"),
                "sent_at": d.get("sent_at"),
                "reason": d.get("reason"),
            }
            for d in deliveries
        },
    }
