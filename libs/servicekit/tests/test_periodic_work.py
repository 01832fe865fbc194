"""Work repeated at an interval: a failed pass is logged and the next one runs; a cancellation stops
it, even one a pass swallowed."""

import asyncio
import contextlib
import logging

import pytest

from servicekit.periodic_work import close_periodically, repeat_every

log = logging.getLogger("periodic-test")


async def test_a_failed_pass_is_logged_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    passes: list[int] = []
    done = asyncio.Event()

    async def work() -> None:
        passes.append(len(passes))
        if len(passes) == 1:
            raise RuntimeError("store unreachable")
        done.set()

    task = asyncio.create_task(repeat_every(0, work, log=log, failure="pass failed"))
    await asyncio.wait_for(done.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert passes[:2] == [0, 1]
    assert [r.message for r in caplog.records if r.levelno == logging.ERROR] == ["pass failed"]


async def test_waiting_first_leaves_the_first_pass_to_the_caller() -> None:
    passes: list[str] = []

    async def work() -> None:
        passes.append("pass")

    task = asyncio.create_task(repeat_every(60, work, log=log, failure="-", wait_first=True))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert passes == []


async def test_a_cancellation_swallowed_by_a_pass_still_stops_the_loop() -> None:
    passes: list[str] = []

    async def work() -> None:
        passes.append("pass")
        with contextlib.suppress(asyncio.CancelledError):  # as a database call may do
            await asyncio.sleep(60)

    task = asyncio.create_task(repeat_every(0, work, log=log, failure="-"))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert passes == ["pass"]


class Relay:
    def __init__(self) -> None:
        self.woken: list[list[str]] = []

    def wake(self, ids: list[str]) -> None:
        self.woken.append(ids)


async def test_what_a_pass_closes_is_relayed_at_once(caplog: pytest.LogCaptureFixture) -> None:
    batches = [["a", "b"], []]
    relay = Relay()
    done = asyncio.Event()

    async def close() -> list[str]:
        if not batches:
            done.set()
            return []
        return batches.pop(0)

    caplog.set_level(logging.INFO, logger=log.name)
    task = asyncio.create_task(
        close_periodically(0, close, relay, log=log, what="expired things")  # type: ignore[arg-type]
    )
    await asyncio.wait_for(done.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert relay.woken == [["a", "b"]]
    assert [r.message for r in caplog.records] == ["expired things closed"]
