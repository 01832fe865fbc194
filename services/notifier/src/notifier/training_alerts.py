"""A training a counsellor recommends, to the seeker: inserted once per seeker and session,
planned on the channels the seeker chose for their counsellor's messages, in their inbox at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from contracts import TrainingRecommended
from notifier.core import TRAINING, preferences_of, seeker_recipient
from notifier.counsellor_digest import CounsellorDigests
from notifier.domain.model import Category, Language
from notifier.domain.templates import Message, training_message
from notifier.store import QUEUED, RELEASED, Doc, notification_id
from servicekit.metrics import mark_duplicate


def training_alert_id(seeker_id: str, session_id: str) -> str:
    return f"{seeker_id}:{TRAINING}:{session_id}"


def training_text(alert: Doc, language: Language) -> Message:
    starts = alert.get("starts_on")
    return training_message(
        alert.get("offer_title", ""),
        alert.get("city"),
        date.fromisoformat(starts) if starts else None,
        alert.get("note"),
        language,
    )


class TrainingAlerts(CounsellorDigests):
    async def alert_seekers_on_trainings_recommended(
        self, recommended: Sequence[TrainingRecommended]
    ) -> None:
        """One alert per seeker and session (`{seeker}:training:{session}`, inserted once: a
        redelivered event, or the counsellor recommending again, bumps into it); an alert
        inserted by a crashed attempt and not planned yet is planned now."""
        unique: dict[str, TrainingRecommended] = {}
        for said in recommended:
            unique.setdefault(training_alert_id(said.seeker_id, said.session_id), said)
        seeker_ids = sorted({said.seeker_id for said in unique.values()})
        seekers = await self.store.seekers_by_id(seeker_ids)
        existing = await self.store.alerts.get_many(unique)
        now = self.clock.now()
        for key, said in unique.items():
            if (seekers.get(said.seeker_id) or {}).get("erased"):
                continue
            alert = existing.get(key)
            if alert is None:
                fresh = self._training_alert(key, said, now)
                if key in await self.store.insert_alerts([fresh]):
                    alert = fresh
                else:
                    alert = await self.store.alert(key)
            else:
                mark_duplicate()
            if alert is not None and not alert.get("planned"):
                await self._plan_training(alert)
        erased = await self.store.erased_among(seeker_ids)
        if erased:
            await self.store.forget_seekers(sorted(erased))  # erased meanwhile: leave nothing

    def _training_alert(self, key: str, said: TrainingRecommended, now: datetime) -> Doc:
        return {
            "_id": key,
            "kind": TRAINING,
            "seeker_id": said.seeker_id,
            "offer_id": None,
            "session_id": said.session_id,
            "counsellor_id": said.counsellor_id,
            "status": RELEASED,
            "planned": False,
            "needs_review": False,
            "via_counsellor": False,
            "strong": False,
            "score": 0.0,
            "offer_title": said.title,
            "city": said.city,
            "starts_on": said.starts_on.isoformat() if said.starts_on else None,
            "distance_km": 0.0,
            "reasons": [],
            "note": said.note,
            "created_at": now,
            "released_at": now,
            "offer_closed": False,
        }

    async def _plan_training(self, alert: Doc) -> None:
        seeker = await self.store.seeker(alert["seeker_id"])
        if seeker is not None and seeker.get("erased"):
            return
        now = self.clock.now()
        locale = await self._locale(alert["seeker_id"])
        notification = self._notification(
            notification_id(TRAINING, alert["_id"]),
            seeker_recipient(alert["seeker_id"]),
            TRAINING,
            alert,
            training_text(alert, locale.language),
        )
        added = await self.store.add_to_inbox({**notification, "session_id": alert["session_id"]})
        if added is not None:
            await self.live.announce(added["recipient"], added["_id"], added["seq"])
        deliveries = self._seeker_deliveries(
            alert, preferences_of(seeker), now, locale.zone, Category.COUNSELLOR_MESSAGE
        )
        await self.store.add_deliveries(deliveries)
        await self.store.mark_planned(alert["_id"])
        if any(d["status"] == QUEUED for d in deliveries):
            self.work_available.set()
