"""Periodic repairs: auto-release of held alerts, unplanned alerts, digests gathered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time as time_module
from datetime import UTC, datetime, timedelta

from notifier.core import (
    EPOCH,
    AlertNotFound,
    AlertNotHeld,
)
from notifier.delivery import Delivery
from notifier.domain.rules import (
    group_for_digest,
)
from notifier.store import (
    QUEUED,
    paced,
)

log = logging.getLogger(__name__)


class Sweeps(Delivery):
    async def sweep(self) -> None:
        """Auto-release overdue held alerts, repair unplanned ones, gather digests."""
        now = self.clock.now()
        for alert in await self.store.due_for_release(now):
            with contextlib.suppress(AlertNotHeld, AlertNotFound):
                await self.approve(alert["_id"], "auto-release", None)
        for alert in await self.store.unplanned(now - timedelta(seconds=30)):
            await self.advance(alert)
        await self.gather_digests(now)
        await self.send_counsellor_digests(now)

    async def gather_digests(self, now: datetime) -> int:
        waiting = await self.store.waiting_for_digest(now)
        created = 0
        for (seeker_id, channel), members in group_for_digest(waiting).items():
            first_slot = min(m["due_at"] for m in members)
            digest_id = f"digest:{seeker_id}:{channel}:{first_slot.astimezone(UTC).isoformat()}"
            await self.store.add_deliveries(
                [
                    {
                        "_id": digest_id,
                        "kind": "digest",
                        "seeker_id": seeker_id,
                        "channel": channel,
                        "status": QUEUED,
                        "due_at": now,
                        "lease_until": EPOCH,
                        "attempts": 0,
                        "generation": 0,
                        "created_at": now,
                    }
                ]
            )
            await self.store.mark_digested([m["_id"] for m in members], digest_id, now)
            created += 1
        if created:
            self.work_available.set()
        return created

    async def run_sweeps(self, interval_s: float) -> None:
        """Sweep every `interval_s`, or less often when a sweep takes long: its queries may read
        whole collections, and must not crowd out the work they back up."""
        while True:
            started = time_module.monotonic()
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep failed; retrying")
            await asyncio.sleep(paced(interval_s, time_module.monotonic() - started))
