"""The deliveries a replica knows to be queued, by the time they fall due.

Claiming a delivery starts here rather than with a query on status and due time: where the store
has no secondary indexes, such a query reads every delivery ever planned, once per claim. The
index is fed by what this replica plans and reschedules; a periodic rescan of the store
(`NotifierStore.claim_due`) adds what other replicas planned and what a crashed one left behind.
The index is a hint: a claim re-reads the delivery by `_id` and goes by what the store says.
"""

from __future__ import annotations

import heapq
from datetime import datetime


class DueIndex:
    """Delivery ids by due time; rescheduling an id replaces its previous time."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, str]] = []
        self._at: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._at)

    def schedule(self, delivery_id: str, at: datetime) -> None:
        if self._at.get(delivery_id) == at:
            return
        self._at[delivery_id] = at
        heapq.heappush(self._heap, (at, delivery_id))
        if len(self._heap) > 2 * len(self._at) + 1024:
            # Entries left behind by rescheduling and forgetting: rebuild once they dominate.
            self._heap = [(when, key) for key, when in self._at.items()]
            heapq.heapify(self._heap)

    def forget(self, delivery_id: str) -> None:
        self._at.pop(delivery_id, None)

    def pop_due(self, now: datetime) -> str | None:
        """The id due the earliest, if due by `now`, taken out of the index."""
        while self._heap and self._heap[0][0] <= now:
            at, delivery_id = heapq.heappop(self._heap)
            if self._at.get(delivery_id) == at:
                del self._at[delivery_id]
                return delivery_id
        return None

    def has_due(self, now: datetime) -> bool:
        while self._heap and self._at.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)  # a stale entry
        return bool(self._heap) and self._heap[0][0] <= now
