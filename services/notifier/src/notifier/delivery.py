"""The delivery worker: claims due deliveries by the batch, sends them, settles them together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from notifier.channels import DeliveryFailed, Outgoing
from notifier.contacts import ContactUnavailable
from notifier.core import ALERTS, EPOCH, PUSH_WINDOW, TRAINING, facts_of, preferences_of
from notifier.domain.model import Channel, Frequency, Preferences
from notifier.domain.rules import next_digest_at, retry_delay, send_at, within_budget
from notifier.domain.templates import closed_message, digest_message, match_message
from notifier.seeker_events import SeekerEvents
from notifier.store import (
    CANCELLED,
    FAILED,
    RELEASED,
    SENT,
    SKIPPED,
    WAITING_DIGEST,
    Doc,
    Outcome,
    as_utc,
)
from notifier.training_alerts import training_text
from servicekit.worker_loop import survive, wait_for_wake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Known:
    """What a batch of deliveries needs, read once for the batch: alerts and seekers by id."""

    alerts: dict[str, Doc]
    seekers: dict[str, Doc]


# Deliveries claimed together, and sent at once of them (each send waits on a mail server or a
# webhook: the batch overlaps those waits).
CLAIM_BATCH = 64
SENDING_AT_ONCE = 16
# A plan writes its deliveries, then its alerts: a delivery younger than this whose alert is
# missing waits for it.
ALERT_WRITTEN_WITHIN = timedelta(seconds=30)


class Delivery(SeekerEvents):
    async def run_sender(self, poll_s: float = 1.0) -> None:
        while True:
            await survive(self.send_all_due, "delivery worker", log)
            await wait_for_wake(self.work_available, poll_s)

    async def send_all_due(self) -> None:
        while await self.send_due():
            pass

    async def send_due(self) -> int:
        """Claim a batch of due deliveries, send and settle them; how many (0: none was due)."""
        now = self.clock.now()
        claimed = await self.store.claim_due(now, self.lease, self.instance_id, CLAIM_BATCH)
        if not claimed:
            return 0
        seeker_ids = sorted({str(d["seeker_id"]) for d in claimed})
        with contextlib.suppress(ContactUnavailable):  # then each delivery asks on its own
            # One request for the batch's seekers: each delivery then reads the directory's cache.
            await self.contacts.channels_of(seeker_ids)
        # One lookup of the batch's alerts and one of its seekers, not two per delivery.
        known = Known(
            await self.store.alerts.get_many(d["alert_id"] for d in claimed if d.get("alert_id")),
            await self.store.seekers_by_id(seeker_ids),
        )
        # One seeker's deliveries one after the other (each reads the push budget the previous
        # one spent), different seekers' side by side.
        by_seeker: dict[str, list[Doc]] = {}
        for delivery in claimed:
            by_seeker.setdefault(str(delivery.get("seeker_id")), []).append(delivery)
        gate = asyncio.Semaphore(SENDING_AT_ONCE)

        async def attempt(deliveries: list[Doc]) -> list[Outcome]:
            pushed: list[datetime] = []  # this batch's pushes to the seeker, not settled yet
            async with gate:
                return [
                    await self._attempt(delivery, now, pushed, known) for delivery in deliveries
                ]

        outcomes = [
            o for part in await asyncio.gather(*map(attempt, by_seeker.values())) for o in part
        ]
        await self.store.settle_each(outcomes)
        for outcome in outcomes:
            changes = outcome.changes
            status = changes.get("status") or ("retrying" if "reason" in changes else "deferred")
            ALERTS.labels(outcome.delivery.get("channel", "unknown"), status).inc()
        return len(claimed)

    async def _attempt(
        self, delivery: Doc, now: datetime, pushed: list[datetime], known: Known
    ) -> Outcome:
        try:
            return await self._deliver(delivery, now, pushed, known)
        except ContactUnavailable as error:
            return await self._failed(delivery, now, DeliveryFailed(str(error)))
        except DeliveryFailed as error:
            return await self._failed(delivery, now, error)

    async def _deliver(
        self, delivery: Doc, now: datetime, pushed: list[datetime], known: Known
    ) -> Outcome:
        channel = Channel(delivery["channel"])
        if delivery.get("kind") == "digest":
            members = await self.store.digest_members(delivery["_id"])
            alerts = await self.store.alerts_by_id([m["alert_id"] for m in members])
        else:
            found = known.alerts.get(delivery["alert_id"])
            alerts = [found] if found is not None else []
        alive = [a for a in alerts if a["status"] == RELEASED and not a.get("offer_closed")]
        if delivery.get("kind") == "closed":
            alive = [a for a in alerts if a["status"] == RELEASED]
        if not alerts and now - as_utc(delivery.get("created_at") or now) < ALERT_WRITTEN_WITHIN:
            # Planned an instant before its alert is written (another replica's rescan can see
            # it then): the alert comes, or the delivery is cancelled once this time is over.
            return Outcome(
                delivery, {"due_at": now + ALERT_WRITTEN_WITHIN / 10, "lease_until": EPOCH}
            )
        if not alive:
            return Outcome(delivery, {"status": CANCELLED, "settled_at": now})
        seeker = known.seekers.get(delivery["seeker_id"])
        preferences = preferences_of(seeker)
        contact = await self.contacts.channels(delivery["seeker_id"])
        if contact is None:
            return Outcome(delivery, {"status": SKIPPED, "reason": "seeker unknown"})
        address = contact.address(channel)
        if not address:
            return Outcome(delivery, {"status": SKIPPED, "reason": f"no {channel.value}"})
        due = send_at(now, preferences.quiet_hours, contact.zone)
        if due > now:
            return Outcome(delivery, {"due_at": due, "lease_until": EPOCH})
        if delivery.get("kind") == "digest":
            alive.sort(key=lambda a: -float(a.get("score", 0.0)))
            message = digest_message(
                [facts_of(a, contact.language, self.names) for a in alive], contact.language
            )
        elif delivery.get("kind") == "closed":
            message = closed_message(facts_of(alive[0], contact.language), contact.language)
        else:
            if channel is Channel.PUSH and not await self._push_budget_left(
                delivery, seeker, preferences, now, pushed
            ):
                slot = next_digest_at(now, Frequency.DAILY, contact.zone, self.digest_at)
                return Outcome(delivery, {"status": WAITING_DIGEST, "due_at": slot})
            if alive[0].get("kind") == TRAINING:
                message = training_text(alive[0], contact.language)
            else:
                message = match_message(
                    facts_of(alive[0], contact.language, self.names), contact.language
                )
        await self.senders[channel].send(
            Outgoing(delivery["_id"], address, message, contact.language.value)
        )
        if channel is Channel.PUSH:
            pushed.append(now)
            if seeker is not None and not seeker.get("erased"):
                await self.store.record_push(seeker, pushed, PUSH_WINDOW)
        return Outcome(
            delivery, {"status": SENT, "sent_at": now, "settled_at": now}, {"attempts": 1}
        )

    async def _push_budget_left(
        self,
        delivery: Doc,
        seeker: Doc | None,
        preferences: Preferences,
        now: datetime,
        pushed: list[datetime],
    ) -> bool:
        if seeker is not None and not seeker.get("erased"):
            # As read when the batch was claimed; this batch's pushes come on top.
            sent = [as_utc(t) for t in seeker.get("pushes_sent_at", [])] + pushed
        else:  # no record of this seeker (yet): count from their settled deliveries
            settled = await self.store.sent_since(
                delivery["seeker_id"], Channel.PUSH.value, now - PUSH_WINDOW
            )
            sent = settled + pushed
        return within_budget(sent, now, preferences.max_push_per_hour, PUSH_WINDOW)

    async def _failed(self, delivery: Doc, now: datetime, error: DeliveryFailed) -> Outcome:
        attempts = int(delivery.get("attempts", 0)) + 1
        if error.permanent or attempts >= self.max_attempts:
            await self.store.dead_letter({**delivery, "attempts": attempts}, error.reason, now)
            log.warning(
                "delivery dead-lettered",
                extra={"delivery_id": delivery["_id"], "reason": error.reason},
            )
            return Outcome(
                delivery,
                {"status": FAILED, "reason": error.reason, "settled_at": now},
                {"attempts": 1},
            )
        delay = retry_delay(attempts, self.retry_base_s, self.retry_cap_s)
        return Outcome(
            delivery,
            {"due_at": now + delay, "lease_until": EPOCH, "reason": error.reason},
            {"attempts": 1},
        )
