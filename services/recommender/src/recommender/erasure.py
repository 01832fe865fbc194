"""Erasure: a batch of erased seekers leaves nothing behind.

Their documents go at once, with their place in the engine, and the erasure is noted (by id, in
one bulk insert). Finding every offer that lists them is a query on the offers' lists, which a
store without secondary indexes answers by reading every offer: a sweep in the background does it
once for all the erasures noted since the last sweep, then forgets them. Noted in the store, an
erasure survives a restart before its sweep.
"""

from __future__ import annotations

import asyncio
import logging
import time

from contracts import Envelope, ProfileDeleted
from recommender.repositories import OfferRepository, SeekerRepository
from recommender.service import Recommender
from servicekit.worker_loop import wait_for_wake

log = logging.getLogger(__name__)


async def forget_seekers_on_profiles_deleted(
    recommender: Recommender, events: list[Envelope[ProfileDeleted]], sweep: ErasureSweep
) -> None:
    seeker_ids = list(dict.fromkeys(event.payload.seeker_id for event in events))
    await recommender.offers.note_erased(seeker_ids)
    # No offer is matched meanwhile: one being matched could otherwise add a seeker to its
    # `alerted` list after the sweep, or to the engine after their removal.
    async with recommender.matching_paused():
        await recommender.seekers.delete(seeker_ids)
        for seeker_id in seeker_ids:
            recommender.engine.remove(seeker_id)
    sweep.wake()


class ErasureSweep:
    """Takes erased seekers out of the offers' lists, in the background, a batch at a time.

    After a sweep that took t seconds, the next waits 9 t: sweeps take at most a tenth of the
    store's time, however many erasures come.
    """

    def __init__(
        self, seekers: SeekerRepository, offers: OfferRepository, batch_size: int = 500
    ) -> None:
        self.seekers = seekers
        self.offers = offers
        self.batch_size = batch_size
        self.swept = 0
        self._wake = asyncio.Event()
        self._wake.set()  # the first pass finishes what a previous run left

    def wake(self) -> None:
        self._wake.set()

    async def sweep_once(self) -> int:
        """Forget one batch of noted erasures; return how many."""
        seeker_ids = await self.offers.erased(self.batch_size)
        if seeker_ids:
            # A seeker who came back since (a new profile under the same id) keeps the offers
            # matched with them since: a closure must still withdraw those.
            back = await self.seekers.get_many(seeker_ids)
            await self.offers.forget_seekers([i for i in seeker_ids if i not in back])
            await self.offers.forget_erasures(seeker_ids)
            self.swept += len(seeker_ids)
        return len(seeker_ids)

    async def run(self, idle_s: float = 60.0) -> None:
        while True:
            await wait_for_wake(self._wake, idle_s)
            started = time.monotonic()
            failed = False
            try:
                while await self.sweep_once() >= self.batch_size:
                    pass
            except Exception:
                log.exception("erasure sweep failed; retrying")
                failed = True
                self._wake.set()
            pause = 9 * (time.monotonic() - started)
            await asyncio.sleep(max(pause, 1.0) if failed else pause)
