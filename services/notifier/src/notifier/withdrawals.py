"""Withdrawn matches: unsent deliveries cancelled, inboxes told, closed offers announced."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from contracts import MatchWithdrawn
from contracts.vocabulary import WithdrawalReason
from notifier.core import (
    alert_id_of,
    preferences_of,
)
from notifier.domain.model import (
    INTRUSIVE,
    Category,
)
from notifier.domain.rules import (
    send_at,
)
from notifier.review import Review
from notifier.store import (
    CANCELLED,
    HELD,
    QUEUED,
    Doc,
    closed_notice_id,
    notification_id,
)


class Withdrawals(Review):
    async def close_alerts_on_matches_withdrawn(
        self, withdrawals: Sequence[MatchWithdrawn]
    ) -> None:
        """A batch of withdrawals: the alerts, their deliveries and notifications read and
        written together; alerts under review, unknown ones and closed offers one by one."""
        now = self.clock.now()
        by_alert: dict[str, MatchWithdrawn] = {}
        for withdrawn in withdrawals:
            alert_id = alert_id_of(withdrawn.seeker_id, withdrawn.offer_id)
            if by_alert.get(alert_id) is None or withdrawn.reason == WithdrawalReason.OFFER_CLOSED:
                by_alert[alert_id] = withdrawn  # a closed offer is the withdrawal that says most
        alerts = await self.store.alerts.get_many(by_alert)
        alone = [
            w
            for alert_id, w in by_alert.items()
            if alert_id not in alerts or alerts[alert_id]["status"] == HELD
        ]
        for withdrawn in alone:
            await self.close_alert_on_match_withdrawn(withdrawn)
        together = [a for a in alerts if alerts[a]["status"] != HELD]
        if not together:
            return
        await self.store.mark_offers_closed(together)
        await self.store.cancel_unsent_many(together, now)
        notifications = await self.store.alert_notifications(together)
        untouched = [
            item
            for items in notifications.values()
            if not any(i.get("offer_closed") for i in items)
            for item in items
        ]
        for item in await self.store.touch(untouched, {"offer_closed": True}):
            await self.live.announce(item["recipient"], item["_id"], item["seq"])
        closed = [
            alerts[alert_id]
            for alert_id in together
            if by_alert[alert_id].reason == WithdrawalReason.OFFER_CLOSED
            and any(i["kind"] == "match" for i in notifications.get(alert_id, ()))
        ]
        if closed:
            locales = await self._locales({alert["seeker_id"] for alert in closed})
            for alert in closed:
                await self._plan_closed(alert, now, locales[alert["seeker_id"]].zone)

    async def close_alert_on_match_withdrawn(self, withdrawn: MatchWithdrawn) -> None:
        alert_id = alert_id_of(withdrawn.seeker_id, withdrawn.offer_id)
        now = self.clock.now()
        alert = await self.store.alert(alert_id)
        if alert is None:
            # Not seen yet: a tombstone keeps the late match silent. Unless the seeker was
            # erased meanwhile: nothing of theirs is kept, and their matches are dropped anyway.
            if not await self.store.was_erased(withdrawn.seeker_id):
                await self.store.withdraw_tombstone(
                    alert_id, withdrawn.seeker_id, withdrawn.offer_id, now
                )
                if await self.store.was_erased(withdrawn.seeker_id):
                    await self.store.forget_seekers([withdrawn.seeker_id])  # erased meanwhile
            return
        if alert["status"] == HELD and await self.store.decide(alert, CANCELLED, "withdrawal", now):
            await self.store.transition(alert_id, HELD, {"status": CANCELLED, "offer_closed": True})
        else:
            await self.store.mark_offer_closed(alert_id)
        await self.store.cancel_unsent(alert_id, now)
        if not await self.store.close_notifications(alert_id):
            for item in await self.store.touch_inbox(alert_id, {"offer_closed": True}):
                await self.live.announce(item["recipient"], item["_id"], item["seq"])
        seen = await self.store.seen(notification_id("match", alert_id))
        if withdrawn.reason == WithdrawalReason.OFFER_CLOSED and seen:
            await self._plan_closed(alert, now, (await self._locale(alert["seeker_id"])).zone)

    async def _plan_closed(self, alert: Doc, now: datetime, zone: ZoneInfo | None) -> None:
        """Tell the seeker, on the channels they chose for it, that an offer they saw closed
        (after quiet hours in their zone; without it, the worker applies them when it sends)."""
        seeker = await self.store.seeker(alert["seeker_id"])
        if seeker is not None and seeker.get("erased"):
            return
        preferences = preferences_of(seeker)
        due = send_at(now, preferences.quiet_hours, zone) if zone else now
        deliveries = [
            {
                **self._base_delivery(alert, now),
                "_id": closed_notice_id(alert["_id"], channel.value),
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
