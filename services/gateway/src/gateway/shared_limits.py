"""Rate limits that hold across the gateway's replicas: each replica's usage, shared in the store.

Every replica decides alone, from its own token buckets (no store call on a request's path).
Each period (`GATEWAY_LIMITS_SYNC_S`, 1 s) it inserts what it let through since its last report
(one new document: an insert is atomic on every engine), reads the reports the other replicas
wrote in the last periods, and charges their usage to its own buckets. A key's rate across N
replicas thus stays at its limit, give or take what the others let through in the last period or
two; without this, N replicas allowed N times the limit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gateway.limits import TokenBuckets
from servicekit.data import Documents

log = logging.getLogger(__name__)

COLLECTION = "rate_usage"
# Reports of the last periods are read; older ones are deleted (by any replica: one that stopped
# leaves its last reports behind).
READ_PERIODS = 3
KEPT_PERIODS = 6


@dataclass
class SharedUsage:
    documents: Documents
    buckets: dict[str, TokenBuckets]
    period_s: float = 1.0
    replica: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    clock: Callable[[], float] = time.time
    charged: set[str] = field(default_factory=set)
    reports: int = 0

    def __post_init__(self) -> None:
        for buckets in self.buckets.values():
            buckets.recording = True

    def period(self) -> int:
        return math.floor(self.clock() / self.period_s)

    async def report(self, period: int) -> None:
        usage = [
            {"kind": kind, "key": key, "n": n}
            for kind, buckets in self.buckets.items()
            for key, n in buckets.drain().items()
        ]
        if not usage:
            return
        self.reports += 1
        report_id = f"{period}:{self.replica}:{self.reports}"
        document: dict[str, Any] = {
            "_id": report_id,
            "period": period,
            "replica": self.replica,
            "usage": usage,
        }
        await self.documents.insert(document)

    async def sync(self) -> int:
        """Report this replica's usage, charge the others'; how many of their reports were new."""
        period = self.period()
        await self.report(period)
        fresh = 0
        now = time.monotonic()
        # A handful of small documents (replicas x periods): a scan, not a hot path.
        recent = self.documents.raw.find({"period": {"$gte": period - READ_PERIODS}})
        async for report in recent:
            if report["replica"] == self.replica or report["_id"] in self.charged:
                continue
            self.charged.add(report["_id"])
            fresh += 1
            for used in report["usage"]:
                if used["kind"] in self.buckets:
                    self.buckets[used["kind"]].charge(used["key"], used["n"], now)
        oldest = period - READ_PERIODS
        self.charged = {c for c in self.charged if int(c.split(":", 1)[0]) >= oldest}
        await self.documents.raw.delete_many({"period": {"$lt": period - KEPT_PERIODS}})
        return fresh

    async def ensure_indexes(self) -> None:
        await self.documents.raw.create_index("period")

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.period_s)
            try:
                await self.sync()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Meanwhile each replica limits alone: the store's absence costs precision only.
                log.warning("could not share rate-limit usage; retrying", exc_info=True)
