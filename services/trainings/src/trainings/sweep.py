"""Closes sessions past their dates: not every store has TTL indexes, and an event must go out."""

import logging
from datetime import UTC, datetime

from servicekit.outbox import OutboxRelay
from servicekit.periodic_work import close_periodically
from trainings.store import SessionStore

log = logging.getLogger(__name__)


async def close_ended_sessions(store: SessionStore) -> list[str]:
    now = datetime.now(UTC)
    return await store.close_ended(now.date(), now)


async def sweep_forever(store: SessionStore, relay: OutboxRelay, interval_s: float) -> None:
    await close_periodically(
        interval_s, lambda: close_ended_sessions(store), relay, log=log, what="ended sessions"
    )
