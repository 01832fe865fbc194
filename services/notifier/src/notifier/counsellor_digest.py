"""Counsellors known to the notifier and their daily digest of urgent lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.core import (
    NotifierBase,
    counsellor_preferences_of,
    counsellor_recipient,
)
from notifier.domain.model import (
    CounsellorPreferences,
)
from notifier.domain.rules import (
    current_working_start,
    next_working_start,
    previous_working_start,
    working_window_end,
)
from notifier.domain.templates import (
    counsellor_digest_message,
)
from notifier.domain.urgency import urgent_lines
from notifier.store import (
    Doc,
)


class CounsellorDigests(NotifierBase):
    async def know_counsellor(self, counsellor_id: str) -> None:
        """A counsellor seen for the first time gets their first digest when their day starts."""
        if counsellor_id in self._known_counsellors:
            return
        default = counsellor_preferences_of(None, self.default_zone.key).working_hours
        first = next_working_start(self.clock.now(), default)
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
        preferences = counsellor_preferences_of(counsellor, self.default_zone.key)
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
        recipient = counsellor_recipient(counsellor_id)
        matches = await self.store.fresh_matches(counsellor_id, since, slot)
        quiet = await self.store.inactive_seekers(
            counsellor_id, slot - timedelta(days=self.inactive_days)
        )
        said = await self.store.feedback_between(recipient, since, slot)
        lines = urgent_lines(
            matches,
            quiet,
            self.tension,
            said,
            min_tension_pct=self.min_tension_pct,
            inactive_days=self.inactive_days,
            at=slot,
        )
        posted = False
        if lines:
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
