"""What the notifier does: turn matches into alerts, plan their deliveries, send them, sweep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as time_module
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from contracts import MatchFound, MatchWithdrawn, ProfileDeleted, ProfileUpdated
from contracts.vocabulary import WithdrawalReason
from notifier.channels import DeliveryFailed, Outgoing, Sender
from notifier.contacts import ContactDirectory, ContactUnavailable
from notifier.domain.model import (
    INTRUSIVE,
    Category,
    Channel,
    Clock,
    CounsellorPreferences,
    Frequency,
    Language,
    Preferences,
)
from notifier.domain.rules import (
    current_working_start,
    group_for_digest,
    next_digest_at,
    next_working_start,
    previous_working_start,
    retry_delay,
    send_at,
    within_budget,
    working_window_end,
)
from notifier.domain.templates import (
    MatchFacts,
    Message,
    closed_message,
    counsellor_digest_message,
    counsellor_message,
    digest_message,
    match_message,
)
from notifier.domain.urgency import DigestLine, urgent_lines
from notifier.live import LiveFeed
from notifier.store import (
    CANCELLED,
    DELIVERED,
    FAILED,
    HELD,
    QUEUED,
    REJECTED,
    RELEASED,
    SENT,
    SKIPPED,
    WAITING_DIGEST,
    Doc,
    NotifierStore,
    as_utc,
    paced,
)
from servicekit.metrics import counter, mark_duplicate
from servicekit.tracing import current_traceparent

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


def seeker_recipient(seeker_id: str) -> str:
    return f"seeker:{seeker_id}"


def counsellor_recipient(counsellor_id: str) -> str:
    return f"counsellor:{counsellor_id}"


def alert_id_of(seeker_id: str, offer_id: str) -> str:
    return f"{seeker_id}:{offer_id}"


def facts_of(alert: Doc) -> MatchFacts:
    return MatchFacts(
        offer_id=alert["offer_id"],
        offer_title=alert.get("offer_title", ""),
        distance_km=float(alert.get("distance_km", 0.0)),
        reasons=tuple(alert.get("reasons", ())),
        note=alert.get("note"),
    )


def preferences_of(seeker: Doc | None) -> Preferences:
    stored = (seeker or {}).get("preferences")
    return Preferences.model_validate(stored) if stored else Preferences()


def counsellor_preferences_of(counsellor: Doc | None) -> CounsellorPreferences:
    stored = (counsellor or {}).get("preferences")
    return CounsellorPreferences.model_validate(stored) if stored else CounsellorPreferences()


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


class Notifier:
    def __init__(
        self,
        store: NotifierStore,
        clock: Clock,
        contacts: ContactDirectory,
        senders: Mapping[Channel, Sender],
        live: LiveFeed,
        *,
        instance_id: str,
        default_zone: str = "Europe/Paris",
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
        self._known_counsellors: set[str] = set()

    # events -------------------------------------------------------------------------------------

    async def alert_on_match_found(self, match: MatchFound, event_id: str) -> None:
        await self.alert_on_matches_found([(match, event_id)])

    async def alert_on_matches_found(self, matches: Sequence[tuple[MatchFound, str]]) -> None:
        """Matches (with their event ids) to alerts: inserted once each, then planned together."""
        unique: dict[str, tuple[MatchFound, str]] = {}
        for match, event_id in matches:
            unique.setdefault(alert_id_of(match.seeker_id, match.offer_id), (match, event_id))
        seekers = await self.store.seekers_by_id(sorted({m.seeker_id for m, _ in unique.values()}))
        now = self.clock.now()
        alerts = [
            self._new_alert(match, event_id, seekers.get(match.seeker_id) or {}, now)
            for match, event_id in unique.values()
            if not (seekers.get(match.seeker_id) or {}).get("erased")
        ]
        for counsellor_id in sorted({a["counsellor_id"] for a in alerts if a["counsellor_id"]}):
            await self.know_counsellor(counsellor_id)
        inserted = await self.store.insert_alerts(alerts)
        repeated = [alert["_id"] for alert in alerts if alert["_id"] not in inserted]
        for _ in repeated:
            mark_duplicate()
        fresh = [alert for alert in alerts if alert["_id"] in inserted]
        direct = [a for a in fresh if a["status"] == RELEASED and not a["via_counsellor"]]
        if direct:
            await self._plan_many(direct, seekers)
        # Held alerts, alerts relayed by a counsellor, and repeats (which may finish the work of
        # a crashed attempt) take the one-by-one path.
        others = [a for a in fresh if a not in direct] + await self.store.alerts_by_id(repeated)
        for alert in others:
            await self.advance(alert)

    def _new_alert(self, match: MatchFound, event_id: str, seeker: Doc, now: datetime) -> Doc:
        counsellor_id = match.counsellor_id or seeker.get("counsellor_id")
        needs_review = match.needs_review or bool(seeker.get("review_before_send"))
        alert: Doc = {
            "_id": alert_id_of(match.seeker_id, match.offer_id),
            "seeker_id": match.seeker_id,
            "offer_id": match.offer_id,
            "counsellor_id": counsellor_id,
            "status": HELD if needs_review else RELEASED,
            "planned": False,
            "needs_review": needs_review,
            "via_counsellor": match.via_counsellor or bool(seeker.get("no_smartphone")),
            "strong": match.strong,
            "score": match.score,
            "offer_title": match.offer_title,
            "rome_code": match.rome_code,
            "distance_km": match.distance_km,
            "reasons": [reason.text for reason in match.reasons],
            "reason_codes": [reason.code for reason in match.reasons],
            "created_at": now,
            "event_id": event_id,
            "offer_closed": False,
        }
        if needs_review:
            alert["release_at"] = now + self.auto_release if self.auto_release else None
        else:
            alert["released_at"] = now
        return alert

    async def close_alert_on_match_withdrawn(self, withdrawn: MatchWithdrawn) -> None:
        alert_id = alert_id_of(withdrawn.seeker_id, withdrawn.offer_id)
        now = self.clock.now()
        alert = await self.store.alert(alert_id)
        if alert is None:
            await self.store.withdraw_tombstone(
                alert_id, withdrawn.seeker_id, withdrawn.offer_id, now
            )
            return
        if alert["status"] == HELD and await self.store.decide(alert, CANCELLED, "withdrawal", now):
            await self.store.transition(alert_id, HELD, {"status": CANCELLED, "offer_closed": True})
        else:
            await self.store.alerts.update_one({"_id": alert_id}, {"$set": {"offer_closed": True}})
        await self.store.cancel_unsent(alert_id, now)
        closed = await self.store.inbox.count_documents(
            {"alert_id": alert_id, "offer_closed": True}
        )
        if closed == 0:
            for item in await self.store.touch_inbox(alert_id, {"offer_closed": True}):
                await self.live.announce(item["recipient"], item["_id"], item["seq"])
        seen = await self.store.inbox.find_one({"_id": f"match:{alert_id}"}, {"_id": 1})
        if withdrawn.reason == WithdrawalReason.OFFER_CLOSED and seen is not None:
            await self._plan_closed(alert, now)

    async def _plan_closed(self, alert: Doc, now: datetime) -> None:
        """Tell the seeker, on the channels they chose for it, that an offer they saw closed."""
        seeker = await self.store.seeker(alert["seeker_id"])
        if seeker is not None and seeker.get("erased"):
            return
        preferences = preferences_of(seeker)
        due = send_at(now, preferences.quiet_hours, self.default_zone)
        deliveries = [
            {
                **self._base_delivery(alert, now),
                "_id": f"{alert['_id']}:closed:{channel.value}",
                "kind": "closed",
                "channel": channel.value,
                "status": QUEUED,
                "due_at": due,
            }
            for channel in preferences.channels_for(Category.OFFER_CLOSED)
            if channel in INTRUSIVE
        ]
        await self.store.add_deliveries(deliveries)
        if deliveries:
            self.work_available.set()

    async def remember_seeker_on_profile_updated(self, profile: ProfileUpdated) -> None:
        await self.store.record_seeker_facts(
            profile.seeker_id,
            profile.version,
            {
                "counsellor_id": profile.counsellor_id,
                "no_smartphone": profile.no_smartphone,
                "review_before_send": profile.review_before_send,
                "consent_to_matching": profile.consent_to_matching,
                "last_activity_at": self.clock.now(),
            },
        )
        if profile.counsellor_id:
            await self.know_counsellor(profile.counsellor_id)

    async def purge_seekers_on_profile_deleted(self, deleted: Sequence[ProfileDeleted]) -> None:
        """Erase a batch of seekers together: the store's queries by seeker read whole
        collections on FerretDB, once per batch rather than once per seeker."""
        seeker_ids = list(dict.fromkeys(d.seeker_id for d in deleted))
        await self.store.erase_many(seeker_ids, self.clock.now())
        await self._scrub_counsellor_digests(seeker_ids)
        forget = getattr(self.contacts, "forget", None)
        if forget is not None:
            for seeker_id in seeker_ids:
                forget(seeker_id)

    # counsellors --------------------------------------------------------------------------------

    async def know_counsellor(self, counsellor_id: str) -> None:
        """A counsellor seen for the first time gets their first digest when their day starts."""
        if counsellor_id in self._known_counsellors:
            return
        first = next_working_start(self.clock.now(), CounsellorPreferences().working_hours)
        await self.store.register_counsellor(counsellor_id, first)
        if len(self._known_counsellors) > 100_000:
            self._known_counsellors.clear()
        self._known_counsellors.add(counsellor_id)

    async def set_counsellor_preferences(
        self, counsellor_id: str, preferences: CounsellorPreferences
    ) -> None:
        next_at = next_working_start(self.clock.now(), preferences.working_hours)
        await self.store.save_counsellor_preferences(
            counsellor_id, preferences.model_dump(mode="json"), next_at
        )
        self._known_counsellors.add(counsellor_id)

    async def send_counsellor_digests(self, now: datetime) -> int:
        """Post the digests that are due; returns how many this call posted (others may race)."""
        posted = 0
        for counsellor in await self.store.counsellors_due(now):
            posted += await self._counsellor_digest(counsellor, now)
        return posted

    async def _counsellor_digest(self, counsellor: Doc, now: datetime) -> bool:
        counsellor_id = counsellor["_id"]
        slot: datetime = counsellor["next_digest_at"]
        preferences = counsellor_preferences_of(counsellor)
        hours = preferences.working_hours
        next_at = next_working_start(max(now, slot), hours)
        if not preferences.daily_digest:
            await self.store.digest_done(counsellor_id, slot, next_at, slot)
            return False
        since = counsellor.get("covered_until") or previous_working_start(slot, hours)
        if now >= working_window_end(slot, hours):
            # Its working day is over (the service was down): the digest goes out now if the
            # counsellor is at work, else when they next start; never in the evening nor at the
            # weekend. It covers the gap either way.
            current = current_working_start(now, hours)
            moved_to = current or next_working_start(now, hours)
            await self.store.digest_done(counsellor_id, slot, moved_to, since)
            if current is None:
                return False
            slot = current
            next_at = next_working_start(now, hours)
        matches = await self.store.fresh_matches(counsellor_id, since, slot)
        quiet = await self.store.inactive_seekers(
            counsellor_id, slot - timedelta(days=self.inactive_days)
        )
        lines = urgent_lines(
            matches,
            quiet,
            self.tension,
            min_tension_pct=self.min_tension_pct,
            inactive_days=self.inactive_days,
            at=slot,
        )
        posted = False
        if lines:
            recipient = counsellor_recipient(counsellor_id)
            notification_id = f"digest:{counsellor_id}:{slot.astimezone(UTC).isoformat()}"
            message = counsellor_digest_message(
                lines, preferences.language, self.counsellor_digest_max_lines
            )
            added = await self.store.add_to_inbox(
                {
                    "_id": notification_id,
                    "recipient": recipient,
                    "kind": "digest",
                    "seeker_id": None,
                    "alert_id": None,
                    "offer_id": None,
                    "title": message.title,
                    "body": message.body,
                    "reasons": [],
                    "lines": [line.as_doc() for line in lines],
                    "digest_seekers": sorted({line.seeker_id for line in lines}),
                    "language": preferences.language.value,
                    "read": False,
                    "offer_closed": False,
                    "created_at": now,
                }
            )
            if added is not None:
                await self.live.announce(recipient, notification_id, added["seq"])
                posted = True
        await self.store.digest_done(counsellor_id, slot, next_at, slot)
        return posted

    async def _scrub_counsellor_digests(self, seeker_ids: list[str]) -> None:
        """Erased seekers disappear from the digests their counsellors already received."""
        erased = set(seeker_ids)
        for item in await self.store.digests_naming(seeker_ids):
            lines = [
                DigestLine.of(line)
                for line in item.get("lines", [])
                if line["seeker_id"] not in erased
            ]
            if not lines:
                await self.store.feed.delete_many({"notification_id": item["_id"]})
                await self.store.inbox.delete_one({"_id": item["_id"]})
                continue
            language = Language(item.get("language", Language.FR.value))
            message = counsellor_digest_message(lines, language, self.counsellor_digest_max_lines)
            await self.store.inbox.update_one(
                {"_id": item["_id"]},
                {
                    "$set": {
                        "lines": [line.as_doc() for line in lines],
                        "digest_seekers": sorted({line.seeker_id for line in lines}),
                        "title": message.title,
                        "body": message.body,
                    }
                },
            )

    # review -------------------------------------------------------------------------------------

    async def approve(self, alert_id: str, by: str, note: str | None) -> Doc:
        now = self.clock.now()
        alert = await self._decide(alert_id, RELEASED, by, now)
        changes = {
            "status": RELEASED,
            "released_at": now,
            "reviewed_by": by,
            "reviewed_at": now,
            "note": note,
            "planned": False,
        }
        alert = await self.store.transition(alert_id, HELD, changes) or {**alert, **changes}
        await self._resolve_review(alert_id, "approved")
        await self.advance(alert)
        return alert

    async def reject(self, alert_id: str, by: str) -> Doc:
        now = self.clock.now()
        alert = await self._decide(alert_id, REJECTED, by, now)
        changes = {"status": REJECTED, "reviewed_by": by, "reviewed_at": now}
        alert = await self.store.transition(alert_id, HELD, changes) or {**alert, **changes}
        await self._resolve_review(alert_id, "rejected")
        return alert

    async def _decide(self, alert_id: str, decision: str, by: str, now: datetime) -> Doc:
        """The first decision wins (approve, reject, auto-release or withdrawal); others get 409."""
        alert = await self.store.alert(alert_id)
        if alert is None:
            raise AlertNotFound(alert_id)
        if alert["status"] == HELD and await self.store.decide(alert, decision, by, now):
            return alert
        earlier = await self.store.decision(alert_id)
        if alert["status"] == HELD and earlier is not None and earlier["decision"] == decision:
            return alert  # decided, then interrupted before the alert changed: finish it
        raise AlertNotHeld(earlier["decision"] if earlier else alert["status"])

    async def _resolve_review(self, alert_id: str, outcome: str) -> None:
        await self.store.inbox.update_many(
            {"_id": f"review:{alert_id}"}, {"$set": {"review": outcome, "read": True}}
        )

    # planning -----------------------------------------------------------------------------------

    async def advance(self, alert: Doc) -> None:
        """Run the idempotent next step of an alert: safe to repeat after any crash."""
        if alert["status"] == HELD and alert.get("counsellor_id"):
            await self._notify_counsellor(alert, "review")
        elif alert["status"] == RELEASED and not alert.get("planned"):
            await self._plan(alert)
        else:
            return
        seeker = await self.store.seeker(alert["seeker_id"])
        if seeker is not None and seeker.get("erased"):
            await self.store.forget_alert(alert["_id"])  # erased meanwhile: leave nothing behind

    async def _plan(self, alert: Doc) -> None:
        seeker = await self.store.seeker(alert["seeker_id"])
        if seeker is not None and seeker.get("erased"):
            return
        preferences = preferences_of(seeker)
        now = self.clock.now()
        base = self._base_delivery(alert, now)
        deliveries: list[Doc] = []
        if alert.get("via_counsellor") and alert.get("counsellor_id"):
            # No smartphone: the counsellor passes it on (without a counsellor, the seeker's
            # own channels are the only way left).
            await self._notify_counsellor(alert, "relay")
            deliveries.append(
                {
                    **base,
                    "_id": f"{alert['_id']}:counsellor",
                    "channel": "counsellor",
                    "status": DELIVERED,
                    "sent_at": now,
                }
            )
        else:
            await self._notify_seeker(alert)  # first: the live stream is the latency that counts
            if alert.get("strong") and alert.get("counsellor_id") and not alert.get("needs_review"):
                await self._notify_counsellor(alert, "strong")
            deliveries += self._seeker_deliveries(alert, preferences, now)
        await self.store.add_deliveries(deliveries)
        await self.store.mark_planned(alert["_id"])
        fresh = await self.store.alert(alert["_id"])
        if fresh is not None and fresh.get("offer_closed"):
            # Withdrawn while this plan was being written (the topics are read concurrently).
            await self.store.cancel_unsent(alert["_id"], now)
            return
        if any(d["status"] == QUEUED for d in deliveries):
            self.work_available.set()

    async def _plan_many(self, alerts: list[Doc], seekers: Mapping[str, Doc]) -> None:
        """`_plan` for released alerts to seekers' own channels, a few round trips per batch."""
        now = self.clock.now()
        languages = await self._languages({alert["seeker_id"] for alert in alerts})
        notifications = []
        deliveries: list[Doc] = []
        for alert in alerts:
            message = match_message(facts_of(alert), languages[alert["seeker_id"]])
            recipient = seeker_recipient(alert["seeker_id"])
            notifications.append(
                self._notification(f"match:{alert['_id']}", recipient, "match", alert, message)
            )
            preferences = preferences_of(seekers.get(alert["seeker_id"]))
            deliveries += self._seeker_deliveries(alert, preferences, now)
        for item in await self.store.add_to_inboxes(notifications):
            await self.live.announce(item["recipient"], item["_id"], item["seq"])
        for alert in alerts:
            if alert.get("strong") and alert.get("counsellor_id") and not alert.get("needs_review"):
                await self._notify_counsellor(alert, "strong")
        await self.store.add_deliveries(deliveries)
        alert_ids = [alert["_id"] for alert in alerts]
        await self.store.mark_all_planned(alert_ids)
        for alert_id in await self.store.closed_among(alert_ids):
            # Withdrawn while this plan was being written (the topics are read concurrently).
            await self.store.cancel_unsent(alert_id, now)
        if any(d["status"] == QUEUED for d in deliveries):
            self.work_available.set()
        erased = await self.store.erased_among(list({alert["seeker_id"] for alert in alerts}))
        for alert in alerts:
            if alert["seeker_id"] in erased:
                await self.store.forget_alert(alert["_id"])  # erased meanwhile

    def _base_delivery(self, alert: Doc, now: datetime) -> Doc:
        return {
            "alert_id": alert["_id"],
            "seeker_id": alert["seeker_id"],
            "score": alert.get("score", 0.0),
            "kind": "alert",
            "attempts": 0,
            "lease_until": EPOCH,
            "created_at": now,
        }

    def _seeker_deliveries(self, alert: Doc, preferences: Preferences, now: datetime) -> list[Doc]:
        """The inbox (delivered at once) and the intrusive channels the seeker chose."""
        base = self._base_delivery(alert, now)
        deliveries: list[Doc] = []
        for channel in preferences.channels_for(Category.NEW_MATCH):
            if channel not in INTRUSIVE:
                continue
            delivery = {**base, "_id": f"{alert['_id']}:{channel.value}", "channel": channel.value}
            if preferences.frequency is Frequency.INSTANT:
                due = send_at(now, preferences.quiet_hours, self.default_zone)
                deliveries.append({**delivery, "status": QUEUED, "due_at": due})
            else:
                slot = next_digest_at(now, preferences.frequency, self.default_zone, self.digest_at)
                deliveries.append({**delivery, "status": WAITING_DIGEST, "due_at": slot})
        deliveries.append(
            {
                **base,
                "_id": f"{alert['_id']}:inbox",
                "channel": Channel.INBOX.value,
                "status": DELIVERED,
                "sent_at": now,
            }
        )
        return deliveries

    async def _language(self, seeker_id: str) -> Language:
        try:
            contact = await self.contacts.channels(seeker_id)
        except ContactUnavailable:
            return Language.FR
        return contact.language if contact else Language.FR

    async def _languages(self, seeker_ids: set[str]) -> dict[str, Language]:
        gate = asyncio.Semaphore(32)

        async def one(seeker_id: str) -> Language:
            async with gate:
                return await self._language(seeker_id)

        ids = sorted(seeker_ids)
        return dict(zip(ids, await asyncio.gather(*(one(s) for s in ids)), strict=True))

    async def _notify_seeker(self, alert: Doc) -> None:
        message = match_message(facts_of(alert), await self._language(alert["seeker_id"]))
        await self._add_notification(
            f"match:{alert['_id']}", seeker_recipient(alert["seeker_id"]), "match", alert, message
        )

    async def _notify_counsellor(self, alert: Doc, kind: str) -> None:
        message = counsellor_message(kind, facts_of(alert), alert["seeker_id"])
        recipient = counsellor_recipient(alert["counsellor_id"])
        await self._add_notification(f"{kind}:{alert['_id']}", recipient, kind, alert, message)

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
            "reasons": alert.get("reasons", []),
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

    # delivery worker ----------------------------------------------------------------------------

    async def run_sender(self, poll_s: float = 1.0) -> None:
        while True:
            try:
                while await self.send_one():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery worker failed; retrying")
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.work_available.wait(), poll_s)
            self.work_available.clear()

    async def send_one(self) -> bool:
        """Claim one due delivery and settle it; False when nothing is due."""
        now = self.clock.now()
        delivery = await self.store.claim_due(now, self.lease, self.instance_id)
        if delivery is None:
            return False
        try:
            await self._deliver(delivery, now)
        except ContactUnavailable as error:
            await self._failed(delivery, now, DeliveryFailed(str(error)))
        except DeliveryFailed as error:
            await self._failed(delivery, now, error)
        return True

    async def _settle(self, delivery: Doc, changes: Doc, inc: Doc | None = None) -> None:
        await self.store.settle(delivery, changes, inc)
        status = changes.get("status") or ("retrying" if "reason" in changes else "deferred")
        ALERTS.labels(delivery.get("channel", "unknown"), status).inc()

    async def _deliver(self, delivery: Doc, now: datetime) -> None:
        channel = Channel(delivery["channel"])
        if delivery.get("kind") == "digest":
            members = await self.store.digest_members(delivery["_id"])
            alerts = await self.store.alerts_by_id([m["alert_id"] for m in members])
        else:
            alerts = await self.store.alerts_by_id([delivery["alert_id"]])
        alive = [a for a in alerts if a["status"] == RELEASED and not a.get("offer_closed")]
        if delivery.get("kind") == "closed":
            alive = [a for a in alerts if a["status"] == RELEASED]
        if not alive:
            await self._settle(delivery, {"status": CANCELLED, "settled_at": now})
            return
        seeker = await self.store.seeker(delivery["seeker_id"])
        preferences = preferences_of(seeker)
        contact = await self.contacts.channels(delivery["seeker_id"])
        if contact is None:
            await self._settle(delivery, {"status": SKIPPED, "reason": "seeker unknown"})
            return
        address = contact.address(channel)
        if not address:
            await self._settle(delivery, {"status": SKIPPED, "reason": f"no {channel.value}"})
            return
        due = send_at(now, preferences.quiet_hours, contact.zone)
        if due > now:
            await self._settle(delivery, {"due_at": due, "lease_until": EPOCH})
            return
        if delivery.get("kind") == "digest":
            alive.sort(key=lambda a: -float(a.get("score", 0.0)))
            message = digest_message([facts_of(a) for a in alive], contact.language)
        elif delivery.get("kind") == "closed":
            message = closed_message(facts_of(alive[0]), contact.language)
        else:
            if channel is Channel.PUSH and not await self._push_budget_left(
                delivery, seeker, preferences, now
            ):
                slot = next_digest_at(now, Frequency.DAILY, contact.zone, self.digest_at)
                await self._settle(delivery, {"status": WAITING_DIGEST, "due_at": slot})
                return
            message = match_message(facts_of(alive[0]), contact.language)
        await self.senders[channel].send(
            Outgoing(delivery["_id"], address, message, contact.language.value)
        )
        await self._settle(
            delivery, {"status": SENT, "sent_at": now, "settled_at": now}, {"attempts": 1}
        )
        if channel is Channel.PUSH and seeker is not None:
            await self.store.record_push(seeker, now, PUSH_WINDOW)

    async def _push_budget_left(
        self, delivery: Doc, seeker: Doc | None, preferences: Preferences, now: datetime
    ) -> bool:
        if seeker is not None:
            sent = [as_utc(t) for t in seeker.get("pushes_sent_at", [])]
        else:  # no record of this seeker (yet): count from their deliveries
            sent = await self.store.sent_since(
                delivery["seeker_id"], Channel.PUSH.value, now - PUSH_WINDOW
            )
        return within_budget(sent, now, preferences.max_push_per_hour, PUSH_WINDOW)

    async def _failed(self, delivery: Doc, now: datetime, error: DeliveryFailed) -> None:
        attempts = int(delivery.get("attempts", 0)) + 1
        if error.permanent or attempts >= self.max_attempts:
            await self._settle(
                delivery,
                {"status": FAILED, "reason": error.reason, "settled_at": now},
                {"attempts": 1},
            )
            await self.store.dead_letter({**delivery, "attempts": attempts}, error.reason, now)
            log.warning(
                "delivery dead-lettered",
                extra={"delivery_id": delivery["_id"], "reason": error.reason},
            )
            return
        delay = retry_delay(attempts, self.retry_base_s, self.retry_cap_s)
        await self._settle(
            delivery,
            {"due_at": now + delay, "lease_until": EPOCH, "reason": error.reason},
            {"attempts": 1},
        )

    # sweeps -------------------------------------------------------------------------------------

    async def sweep(self) -> None:
        """Auto-release overdue held alerts, repair unplanned ones, gather digests."""
        now = self.clock.now()
        for alert in await self.store.due_for_release(now):
            with contextlib.suppress(AlertNotHeld, AlertNotFound):
                await self.approve(alert["_id"], "auto-release", None)
        for alert in await self.store.unplanned(now - timedelta(seconds=30)):
            await self.advance(alert)
        await self.gather_digests(now)
        await self.send_counsellor_digests(now)

    async def gather_digests(self, now: datetime) -> int:
        waiting = await self.store.waiting_for_digest(now)
        created = 0
        for (seeker_id, channel), members in group_for_digest(waiting).items():
            first_slot = min(m["due_at"] for m in members)
            digest_id = f"digest:{seeker_id}:{channel}:{first_slot.astimezone(UTC).isoformat()}"
            await self.store.add_deliveries(
                [
                    {
                        "_id": digest_id,
                        "kind": "digest",
                        "seeker_id": seeker_id,
                        "channel": channel,
                        "status": QUEUED,
                        "due_at": now,
                        "lease_until": EPOCH,
                        "attempts": 0,
                        "created_at": now,
                    }
                ]
            )
            await self.store.mark_digested([m["_id"] for m in members], digest_id, now)
            created += 1
        if created:
            self.work_available.set()
        return created

    async def run_sweeps(self, interval_s: float) -> None:
        """Sweep every `interval_s`, or less often when a sweep takes long: its queries read
        whole collections on FerretDB, and must not crowd out the work they back up."""
        while True:
            started = time_module.monotonic()
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep failed; retrying")
            await asyncio.sleep(paced(interval_s, time_module.monotonic() - started))


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
