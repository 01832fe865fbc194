"""Closes offers past their validity: not every store has TTL indexes, and an event must go out."""

import asyncio
import logging
from datetime import UTC, datetime

from offers.store import OfferStore
from servicekit.outbox import OutboxRelay

log = logging.getLogger(__name__)


async def close_expired_offers(store: OfferStore, relay: OutboxRelay) -> int:
    closed = await store.close_expired(datetime.now(UTC))
    if closed:
        log.info("expired offers closed", extra={"count": len(closed)})
        relay.wake(closed)
    return len(closed)


async def sweep_forever(store: OfferStore, relay: OutboxRelay, interval_s: float) -> None:
    while True:
        try:
            await close_expired_offers(store, relay)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sweep of expired offers failed; trying again later")
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # The cancellation was swallowed on the way (seen inside a database call).
            raise asyncio.CancelledError
        await asyncio.sleep(interval_s)
