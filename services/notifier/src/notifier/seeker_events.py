"""Seekers' facts remembered from profile events, and erasures carried out."""

from __future__ import annotations

from collections.abc import Sequence

from contracts import ProfileDeleted, ProfileUpdated
from notifier.domain.model import (
    Language,
)
from notifier.domain.templates import (
    counsellor_digest_message,
)
from notifier.domain.urgency import DigestLine
from notifier.withdrawals import Withdrawals


class SeekerEvents(Withdrawals):
    async def remember_seeker_on_profile_updated(self, profile: ProfileUpdated) -> None:
        await self.remember_seekers_on_profiles_updated([profile])

    async def remember_seekers_on_profiles_updated(
        self, profiles: Sequence[ProfileUpdated]
    ) -> None:
        """Keep each seeker's newest facts: one lookup and one bulk write for the batch."""
        now = self.clock.now()
        newest: dict[str, ProfileUpdated] = {}
        for profile in profiles:
            known = newest.get(profile.seeker_id)
            if known is None or known.version < profile.version:
                newest[profile.seeker_id] = profile
        await self.store.record_seekers_facts(
            [
                (
                    p.seeker_id,
                    p.version,
                    {
                        "counsellor_id": p.counsellor_id,
                        "no_smartphone": p.no_smartphone,
                        "review_before_send": p.review_before_send,
                        "consent_to_matching": p.consent_to_matching,
                        "last_activity_at": now,
                    },
                )
                for p in newest.values()
            ]
        )
        for counsellor_id in sorted({p.counsellor_id for p in newest.values() if p.counsellor_id}):
            await self.know_counsellor(counsellor_id)

    async def purge_seekers_on_profile_deleted(self, deleted: Sequence[ProfileDeleted]) -> None:
        """Erase a batch of seekers together: one query by seeker per collection for the batch
        (a whole-collection read where secondary indexes are missing)."""
        seeker_ids = list(dict.fromkeys(d.seeker_id for d in deleted))
        await self.store.erase_many(seeker_ids, self.clock.now())
        await self._scrub_counsellor_digests(seeker_ids)
        forget = getattr(self.contacts, "forget", None)
        if forget is not None:
            for seeker_id in seeker_ids:
                forget(seeker_id)

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
                await self.store.remove_notification(item["_id"])
                continue
            language = Language(item.get("language", Language.FR.value))
            message = counsellor_digest_message(lines, language, self.counsellor_digest_max_lines)
            await self.store.rewrite_notification(
                item["_id"],
                {
                    "lines": [line.as_doc() for line in lines],
                    "digest_seekers": sorted({line.seeker_id for line in lines}),
                    "title": message.title,
                    "body": message.body,
                },
            )
