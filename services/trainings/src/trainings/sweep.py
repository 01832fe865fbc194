"""Closes sessions past their dates: not every store has TTL indexes, and an event must go out."""

import asyncio
import logging
from datetime import UTC, datetime

from servicekit.outbox import OutboxRelay
from trainings.store import SessionStore

log = logging.getLogger(__name__)


async def close_ended_sessions(store: SessionStore, relay: OutboxRelay) -> int:
    now = datetime.now(UTC)
    closed = await store.close_ended(now.date(), now)
    if closed:
        log.info("ended sessions closed", extra={"count": len(closed)})
        relay.wake(closed)
    return len(closed)


async def sweep_forever(store: SessionStore, relay: OutboxRelay, interval_s: float) -> None:
    while True:
        try:
            await close_ended_sessions(store, relay)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sweep of ended sessions failed; trying again later")
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        await asyncio.sleep(interval_s)
