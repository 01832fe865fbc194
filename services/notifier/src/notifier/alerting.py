"""Matches to alerts: inserted once each, planned on the seekers' channels and inboxes."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime

from contracts import MatchFound
from notifier.core import (
    TRAINING,
    Locale,
    alert_id_of,
    facts_of,
    preferences_of,
    seeker_recipient,
)
from notifier.domain.templates import (
    match_message,
)
from notifier.store import (
    DELIVERED,
    HELD,
    QUEUED,
    RELEASED,
    Doc,
    delivery_id,
    notification_id,
)
from notifier.training_alerts import TrainingAlerts
from servicekit.metrics import mark_duplicate


class Alerting(TrainingAlerts):
    async def alert_on_match_found(self, match: MatchFound, event_id: str) -> None:
        await self.alert_on_matches_found([(match, event_id)])

    async def alert_on_matches_found(self, matches: Sequence[tuple[MatchFound, str]]) -> None:
        """Matches (with their event ids) to alerts: inserted once each, then planned together."""
        unique: dict[str, tuple[MatchFound, str]] = {}
        for match, event_id in matches:
            unique.setdefault(alert_id_of(match.seeker_id, match.offer_id), (match, event_id))
        seeker_ids = sorted({m.seeker_id for m, _ in unique.values()})
        # Independent reads side by side: what is known of the seekers, the alerts already
        # there, the seekers' languages and zones (the latency of a batch is its round trips in
        # a row).
        seekers, existing, locales = await asyncio.gather(
            self.store.seekers_by_id(seeker_ids),
            self.store.alerts.get_many(unique),
            self._locales(set(seeker_ids)),
        )
        now = self.clock.now()
        alerts = [
            self._new_alert(match, event_id, seekers.get(match.seeker_id) or {}, now)
            for match, event_id in unique.values()
            if not (seekers.get(match.seeker_id) or {}).get("erased")
        ]
        for counsellor_id in sorted({a["counsellor_id"] for a in alerts if a["counsellor_id"]}):
            await self.know_counsellor(counsellor_id)
        existing = {a["_id"]: existing[a["_id"]] for a in alerts if a["_id"] in existing}
        for _ in existing:
            mark_duplicate()
        new = [alert for alert in alerts if alert["_id"] not in existing]
        direct = [a for a in new if a["status"] == RELEASED and not a["via_counsellor"]]
        if direct:
            await self._plan_many(direct, seekers, locales)
        # Held alerts and alerts relayed by a counsellor are inserted, then take the one-by-one
        # path; so do repeats, which may finish the work of a crashed attempt.
        others = [a for a in new if a not in direct]
        inserted = await self.store.insert_alerts(others)
        for alert in [a for a in others if a["_id"] in inserted] + list(existing.values()):
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
            # Codes and figures: each message says them in its reader's language.
            "reasons": [{"code": r.code, "params": dict(r.params)} for r in match.reasons],
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

    async def advance(self, alert: Doc) -> None:
        """Run the idempotent next step of an alert: safe to repeat after any crash."""
        if alert.get("kind") == TRAINING:
            if alert["status"] == RELEASED and not alert.get("planned"):
                await self._plan_training(alert)
            return
        if alert["status"] == HELD and alert.get("counsellor_id"):
            await self._notify_counsellor(alert, "review")
        elif alert["status"] == RELEASED and not alert.get("planned"):
            await self._plan(alert)
        else:
            return
        seeker = await self.store.seeker(alert["seeker_id"])
        if seeker is not None and seeker.get("erased"):
            await self.store.forget_seekers([alert["seeker_id"]])  # erased meanwhile

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
                    "_id": delivery_id(alert["_id"], "counsellor"),
                    "channel": "counsellor",
                    "status": DELIVERED,
                    "sent_at": now,
                }
            )
        else:
            locale = await self._locale(alert["seeker_id"])
            # First: the live stream is the latency that counts.
            await self._notify_seeker(alert, locale.language)
            if self._strong_for_counsellor(alert):
                await self._notify_counsellor(alert, "strong")
            deliveries += self._seeker_deliveries(alert, preferences, now, locale.zone)
        await self.store.add_deliveries(deliveries)
        await self.store.mark_planned(alert["_id"])
        fresh = await self.store.alert(alert["_id"])
        if fresh is not None and fresh.get("offer_closed"):
            # Withdrawn while this plan was being written (the topics are read concurrently).
            await self.store.cancel_unsent(alert["_id"], now)
            return
        if any(d["status"] == QUEUED for d in deliveries):
            self.work_available.set()

    @staticmethod
    def _strong_for_counsellor(alert: Doc) -> bool:
        return bool(
            alert.get("strong") and alert.get("counsellor_id") and not alert.get("needs_review")
        )

    async def _plan_many(
        self, alerts: list[Doc], seekers: Mapping[str, Doc], locales: Mapping[str, Locale]
    ) -> None:
        """`_plan` for released alerts to seekers' own channels, a few round trips per batch."""
        now = self.clock.now()
        notifications = []
        deliveries: list[Doc] = []
        strong = [a for a in alerts if self._strong_for_counsellor(a)]
        languages = (
            await self.counsellor_languages(a["counsellor_id"] for a in strong) if strong else {}
        )
        for alert in alerts:
            locale = locales[alert["seeker_id"]]
            message = match_message(facts_of(alert, locale.language, self.names), locale.language)
            recipient = seeker_recipient(alert["seeker_id"])
            notifications.append(
                self._notification(
                    notification_id("match", alert["_id"]), recipient, "match", alert, message
                )
            )
            if self._strong_for_counsellor(alert):
                notifications.append(
                    self._counsellor_notification(
                        alert, "strong", languages[alert["counsellor_id"]]
                    )
                )
            preferences = preferences_of(seekers.get(alert["seeker_id"]))
            deliveries += self._seeker_deliveries(alert, preferences, now, locale.zone)
        for item in await self.store.add_to_inboxes(notifications):
            await self.live.announce(item["recipient"], item["_id"], item["seq"])
        await self.store.add_deliveries(deliveries, schedule=False)
        # The alerts last, planned: a crash before leaves no alert, and the redelivered match
        # plans again into the same natural keys (nothing twice). Their deliveries are claimed
        # only from now on.
        inserted = await self.store.insert_alerts([{**alert, "planned": True} for alert in alerts])
        self.store.schedule(deliveries)
        for alert_id in await self.store.closed_among(
            [a["_id"] for a in alerts if a["_id"] not in inserted]
        ):
            # Withdrawn while this plan was being written (the topics are read concurrently).
            await self.store.cancel_unsent(alert_id, now)
            for item in await self.store.touch_inbox(alert_id, {"offer_closed": True}):
                await self.live.announce(item["recipient"], item["_id"], item["seq"])
        if any(d["status"] == QUEUED for d in deliveries):
            self.work_available.set()
        erased = await self.store.erased_among(list({alert["seeker_id"] for alert in alerts}))
        if erased:
            await self.store.forget_seekers(sorted(erased))  # erased meanwhile
