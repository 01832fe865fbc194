"""The two halves of a background worker's loop: one pass that survives its own failure, and the
wait for the next one."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable


async def survive(work: Callable[[], Awaitable[object]], what: str, log: logging.Logger) -> bool:
    """Run one pass; a failure is logged and paused on for a second. Whether it succeeded."""
    try:
        await work()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s failed; retrying", what)
        await asyncio.sleep(1.0)
        return False
    return True


async def wait_for_wake(wake: asyncio.Event, timeout_s: float) -> None:
    """Until `wake` is set or `timeout_s` has passed; `wake` is then cleared."""
    # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that comes as
    # the event is set, and the worker would never stop.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            await wake.wait()
    wake.clear()
