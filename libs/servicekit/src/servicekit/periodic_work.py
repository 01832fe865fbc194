"""Background work repeated at an interval, for as long as the service runs."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from servicekit.outbox import OutboxRelay


async def repeat_every(
    interval_s: float,
    work: Callable[[], Awaitable[object]],
    *,
    log: logging.Logger,
    failure: str,
    wait_first: bool = False,
) -> None:
    """Runs `work` every `interval_s` until cancelled. A failed pass is logged (`failure`) and the
    next one tries again; `wait_first` when the service did the first pass itself at start."""
    if wait_first:
        await asyncio.sleep(interval_s)
    while True:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(failure)
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            # The cancellation was swallowed on the way (seen inside a database call).
            raise asyncio.CancelledError
        await asyncio.sleep(interval_s)


async def close_periodically(
    interval_s: float,
    close: Callable[[], Awaitable[list[str]]],
    relay: OutboxRelay,
    *,
    log: logging.Logger,
    what: str,
) -> None:
    """Every `interval_s`, closes the documents past their time (`close` returns their ids, each
    with its event in its outbox) and has the relay publish those events at once."""

    async def close_and_relay() -> None:
        closed = await close()
        if closed:
            log.info(f"{what} closed", extra={"count": len(closed)})
            relay.wake(closed)

    await repeat_every(
        interval_s, close_and_relay, log=log, failure=f"sweep of {what} failed; trying again later"
    )
