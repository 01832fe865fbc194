"""A seeker's "not for me" told to their counsellor: in the live feed now, in the next digest."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import FeedbackRecorded
from notifier.core import alert_id_of, counsellor_preferences_of, counsellor_recipient
from notifier.counsellor_digest import CounsellorDigests
from notifier.domain.templates import feedback_message
from notifier.store import Doc, notification_id


class CounsellorFeedback(CounsellorDigests):
    async def tell_counsellors_on_feedback_recorded(
        self, feedback: Sequence[FeedbackRecorded]
    ) -> None:
        """One inbox item per seeker and offer (`feedback:{seeker_id}:{offer_id}`, inserted once:
        a redelivered event bumps into it), for the counsellor the event or the seeker's facts
        name; nothing for an erased seeker or one without a counsellor."""
        unique: dict[str, FeedbackRecorded] = {}
        for said in feedback:
            unique.setdefault(alert_id_of(said.seeker_id, said.offer_id), said)
        seeker_ids = sorted({said.seeker_id for said in unique.values()})
        seekers = await self.store.seekers_by_id(seeker_ids)
        counsellor_of = {
            key: said.counsellor_id or (seekers.get(said.seeker_id) or {}).get("counsellor_id")
            for key, said in unique.items()
            if not (seekers.get(said.seeker_id) or {}).get("erased")
        }
        told = {key: c for key, c in counsellor_of.items() if c}
        if not told:
            return
        alerts = await self.store.alerts.get_many(told, {"offer_title": 1})
        counsellors = await self.store.counsellors_by_id(sorted(set(told.values())))
        for counsellor_id in sorted(set(told.values())):
            await self.know_counsellor(counsellor_id)
        notifications = [
            self._feedback_notification(
                unique[key], counsellor_id, alerts.get(key), counsellors.get(counsellor_id)
            )
            for key, counsellor_id in told.items()
        ]
        for item in await self.store.add_to_inboxes(notifications):
            await self.live.announce(item["recipient"], item["_id"], item["seq"])
        for seeker_id in await self.store.erased_among(seeker_ids):
            # Erased while this batch was being written: nothing of theirs stays.
            for key, said in unique.items():
                if said.seeker_id == seeker_id and key in told:
                    await self.store.remove_notification(notification_id("feedback", key))

    def _feedback_notification(
        self,
        said: FeedbackRecorded,
        counsellor_id: str,
        alert: Doc | None,
        counsellor: Doc | None,
    ) -> Doc:
        language = counsellor_preferences_of(counsellor, self.default_zone.key).language
        # The title as the seeker was alerted; an offer never alerted is named by its id.
        title = (alert or {}).get("offer_title") or said.offer_id
        message = feedback_message(said.seeker_id, title, said.reason.value, language)
        return {
            "_id": notification_id("feedback", alert_id_of(said.seeker_id, said.offer_id)),
            "recipient": counsellor_recipient(counsellor_id),
            "kind": "feedback",
            "seeker_id": said.seeker_id,
            "alert_id": None,
            "offer_id": said.offer_id,
            "offer_title": title,
            "feedback_reason": said.reason.value,
            "title": message.title,
            "body": message.body,
            "reasons": [],
            "read": False,
            "offer_closed": False,
            "created_at": self.clock.now(),
        }
