"""Closes offers past their validity: not every store has TTL indexes, and an event must go out."""

import logging
from datetime import UTC, datetime

from offers.store import OfferStore
from servicekit.outbox import OutboxRelay
from servicekit.periodic_work import close_periodically

log = logging.getLogger(__name__)


async def sweep_forever(store: OfferStore, relay: OutboxRelay, interval_s: float) -> None:
    await close_periodically(
        interval_s,
        lambda: store.close_expired(datetime.now(UTC)),
        relay,
        log=log,
        what="expired offers",
    )
