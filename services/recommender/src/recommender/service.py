"""What every use case of the recommender shares: the repositories, the matching engine (every
open offer, and the seekers of the partitions this replica owns), the settings, and the gate that
holds offers back while the owned partitions change.

The use cases live one per module: `matching` (profiles), `offers` (published, closed),
`erasure`, `feedback`, `reads` and `ownership` (partitions).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from recommender.config import Settings
from recommender.domain.engine import MatchingEngine
from recommender.domain.fairness import alert_cap
from recommender.domain.feedback import with_feedback
from recommender.domain.model import Offer, seeker_from_event
from recommender.repositories import (
    Document,
    OfferRepository,
    SeekerRepository,
    facts_of,
    feedback_of,
    matches_of,
)

# Writes lost to a concurrent writer of the same seeker are computed again, this many times.
ATTEMPTS = 20


class UnknownError(LookupError):
    pass


@dataclass(eq=False)
class Recommender:
    seekers: SeekerRepository
    offers: OfferRepository
    engine: MatchingEngine
    settings: Settings
    # False while rebuilding from the topics: suggestions are written as already announced.
    publish: bool = True
    on_published: list[Callable[[list[str]], None]] = field(init=False, default_factory=list)
    # Waits until the outbox relay has sent what was written and cleaned it up (before a
    # partition changes hands); None without a relay (a rebuild).
    settle_relay: Callable[[float], Awaitable[bool]] | None = field(init=False, default=None)
    # Seekers are sharded by the profile-updated partitions this replica owns; every replica
    # holds every open offer.
    owned: set[int] = field(init=False, default_factory=set)
    # Set once the first assignment is loaded.
    assigned: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    # A batch of profile events and a change of owned partitions never overlap.
    profiles_lock: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    # Offers are matched only while the seekers held are those of the owned partitions: from
    # the revocation of partitions until the next assignment is loaded, offers wait. Two
    # replicas never match the same seeker, even for an instant.
    _serving: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _matching: asyncio.Lock = field(init=False, default_factory=asyncio.Lock)
    stopping: bool = field(init=False, default=False)

    @contextlib.asynccontextmanager
    async def matching(self) -> AsyncIterator[None]:
        """Held while offers are matched: waits while the owned partitions change."""
        while True:
            await self._serving.wait()
            await self._matching.acquire()
            if self._serving.is_set():
                break
            self._matching.release()
        try:
            yield
        finally:
            self._matching.release()

    @contextlib.asynccontextmanager
    async def matching_paused(self) -> AsyncIterator[None]:
        """Held while no offer may be matched (an erasure), without waiting for the gate."""
        async with self._matching:
            yield

    async def pause_serving(self) -> None:
        """Let the work in hand finish, then match no offer until `resume_serving`."""
        async with self.profiles_lock, self._matching:
            self._serving.clear()

    def resume_serving(self) -> None:
        self.assigned.set()
        self._serving.set()

    def hold(self, document: Document) -> None:
        """Hold a stored seeker in the engine, as their document tells."""
        seeker = with_feedback(seeker_from_event(facts_of(document)), feedback_of(document))
        self.engine.upsert(
            seeker,
            rejected=document.get("rejected", []),
            alerts=document.get("alerts", 0),
            shard=document.get("partition", -1),
        )
        for offer_id in matches_of(document):
            self.engine.alerted[offer_id].add(document["_id"])

    def cap(self, offer: Offer) -> int:
        settings = self.settings
        return alert_cap(
            offer.positions, settings.alerts_per_position, settings.max_alerts_per_offer
        )

    def reserve(self, offer: Offer, seeker_id: str) -> bool:
        """Take one of the offer's alert places for the seeker, if one is left.

        Taken before any await: the handlers of profiles and of offers run concurrently, and a
        check followed by a write later would let both fill the last place.
        """
        alerted = self.engine.alerted[offer.offer_id]
        if seeker_id in alerted:
            return True
        if len(alerted) >= self.cap(offer):
            return False
        alerted.add(seeker_id)
        return True

    def wake(self, seeker_ids: Iterable[str]) -> None:
        """Tell the outbox relay which documents have new events (it reads them by _id)."""
        ids = list(seeker_ids)
        if ids:
            for wake in self.on_published:
                wake(ids)
