"""The open establishments in memory, by sector: ranking reads them without a store round trip.

17,000 establishments take a few megabytes; distances are computed in Python (the store's
geographic queries are not available on every engine we run on).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from companies.domain.establishment import Establishment
from companies.store import EstablishmentStore


class Catalogue:
    def __init__(self) -> None:
        self.by_siret: dict[str, Establishment] = {}
        self.by_sector: dict[str, list[Establishment]] = {}
        self.version = 0  # grows with every change: rankings computed before are stale

    def __len__(self) -> int:
        return len(self.by_siret)

    def replace(self, establishments: Iterable[Establishment]) -> None:
        by_siret = {e.siret: e for e in establishments}
        by_sector: dict[str, list[Establishment]] = defaultdict(list)
        for establishment in by_siret.values():
            by_sector[establishment.naf].append(establishment)
        self.by_siret, self.by_sector = by_siret, dict(by_sector)
        self.version += 1

    def put(self, establishments: Iterable[Establishment]) -> None:
        merged = dict(self.by_siret)
        merged.update((e.siret, e) for e in establishments)
        self.replace(merged.values())

    def remove(self, siret: str) -> None:
        if siret in self.by_siret:
            self.replace(e for s, e in self.by_siret.items() if s != siret)

    async def load(self, store: EstablishmentStore) -> None:
        self.replace([e async for e in store.open_establishments()])
