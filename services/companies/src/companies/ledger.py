"""Who was shown which company in the current period: in memory, each exposure stored once.

Each replica counts what it showed and, every `refresh_s`, what the others stored: a company
may briefly be shown to a few more seekers than its capacity when replicas serve it at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from companies.domain.attention import period_of
from companies.store import EstablishmentStore

log = logging.getLogger(__name__)


class Ledger:
    def __init__(
        self,
        store: EstablishmentStore,
        period_days: int,
        today: Callable[[], date] = lambda: datetime.now(UTC).date(),
    ) -> None:
        self.store = store
        self.period_days = period_days
        self.today = today
        self.period = period_of(today(), period_days)
        self.seekers_of: dict[str, set[str]] = defaultdict(set)  # siret -> seekers shown it
        self.shown_to_seeker: dict[str, set[str]] = defaultdict(set)  # seeker -> sirets
        self._writes: set[asyncio.Task[None]] = set()

    def current_period(self) -> str:
        period = period_of(self.today(), self.period_days)
        if period != self.period:
            self.period = period
            self.seekers_of.clear()
            self.shown_to_seeker.clear()
        return period

    def seekers_shown(self, siret: str) -> int:
        seekers = self.seekers_of.get(siret)
        return len(seekers) if seekers else 0

    def shown_to(self) -> dict[str, int]:
        return {siret: len(seekers) for siret, seekers in self.seekers_of.items()}

    def already_shown(self, seeker_id: str) -> frozenset[str]:
        return frozenset(self.shown_to_seeker.get(seeker_id, ()))

    async def record(self, period: str, seeker_id: str, sirets: Sequence[str]) -> None:
        new = [s for s in sirets if s not in self.shown_to_seeker[seeker_id]]
        if not new:
            return
        for siret in new:
            self.seekers_of[siret].add(seeker_id)
            self.shown_to_seeker[seeker_id].add(siret)
        # Stored off the request's path: the counts in memory are already right, the store is
        # for the other replicas and the next start.
        task = asyncio.create_task(self._store(period, seeker_id, new))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _store(self, period: str, seeker_id: str, sirets: list[str]) -> None:
        try:
            await self.store.record_exposures(period, seeker_id, sirets)
        except Exception:
            log.exception("companies: exposures not stored (they count in this replica only)")

    async def settle(self) -> None:
        """Wait for the exposures being stored (a stop, a test)."""
        if self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    def forget(self, seeker_id: str) -> None:
        for siret in self.shown_to_seeker.pop(seeker_id, set()):
            self.seekers_of[siret].discard(seeker_id)

    async def load(self) -> None:
        period = self.current_period()
        async for siret, seeker_id in self.store.exposures_of(period):
            self.seekers_of[siret].add(seeker_id)
            self.shown_to_seeker[seeker_id].add(siret)
