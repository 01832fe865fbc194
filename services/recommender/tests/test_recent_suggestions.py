"""Suggestions answered from memory for a moment, never after the seeker's own feedback."""

import asyncio

import pytest

from recommender.api import RecentSuggestions


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Store:
    def __init__(self, *answers: bytes | None) -> None:
        self.answers = list(answers)
        self.reads = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def read(self) -> bytes | None:
        self.reads += 1
        answer = self.answers[min(self.reads, len(self.answers)) - 1]
        await self.gate.wait()
        return answer


async def test_suggestions_are_read_again_once_no_longer_fresh() -> None:
    clock, store = Clock(), Store(b"[1]", b"[2]")
    recent = RecentSuggestions(fresh_s=1.0, clock=clock)

    first = await recent.get("s-1", store.read)
    clock.now += 0.9
    again = await recent.get("s-1", store.read)
    clock.now += 0.2
    later = await recent.get("s-1", store.read)

    assert (first, again, later) == (b"[1]", b"[1]", b"[2]")
    assert store.reads == 2
    assert (recent.hits, recent.misses) == (1, 2)


async def test_each_seeker_has_their_own_entry() -> None:
    mine, theirs = Store(b"[mine]"), Store(b"[theirs]")
    recent = RecentSuggestions(fresh_s=1.0, clock=Clock())

    assert await recent.get("s-1", mine.read) == b"[mine]"
    assert await recent.get("s-2", theirs.read) == b"[theirs]"
    assert await recent.get("s-1", theirs.read) == b"[mine]"


async def test_callers_at_the_same_time_share_one_read() -> None:
    store = Store(b"[1]")
    store.gate.clear()
    recent = RecentSuggestions(fresh_s=1.0, clock=Clock())

    waiting = [asyncio.create_task(recent.get("s-1", store.read)) for _ in range(5)]
    await asyncio.sleep(0)
    store.gate.set()

    assert await asyncio.gather(*waiting) == [b"[1]"] * 5
    assert store.reads == 1


async def test_a_read_begun_before_feedback_is_not_kept() -> None:
    store = Store(b"[before]", b"[after]")
    store.gate.clear()
    recent = RecentSuggestions(fresh_s=1.0, clock=Clock())
    reading = asyncio.create_task(recent.get("s-1", store.read))
    await asyncio.sleep(0)

    recent.forget("s-1")
    store.gate.set()

    assert await reading == b"[before]"  # concurrent with the feedback: either answer is right
    assert await recent.get("s-1", store.read) == b"[after]"
    assert store.reads == 2


async def test_feedback_forgets_a_fresh_entry() -> None:
    store = Store(b"[before]", b"[after]")
    recent = RecentSuggestions(fresh_s=60.0, clock=Clock())
    await recent.get("s-1", store.read)

    recent.forget("s-1")

    assert await recent.get("s-1", store.read) == b"[after]"


async def test_an_unknown_seeker_is_not_remembered() -> None:
    store = Store(None, b"[1]")
    recent = RecentSuggestions(fresh_s=60.0, clock=Clock())

    assert await recent.get("s-1", store.read) is None
    assert await recent.get("s-1", store.read) == b"[1]"


async def test_a_caller_who_leaves_does_not_cancel_the_read_of_the_others() -> None:
    store = Store(b"[1]")
    store.gate.clear()
    recent = RecentSuggestions(fresh_s=1.0, clock=Clock())
    leaving = asyncio.create_task(recent.get("s-1", store.read))
    staying = asyncio.create_task(recent.get("s-1", store.read))
    await asyncio.sleep(0)

    leaving.cancel()
    store.gate.set()

    assert await staying == b"[1]"
    with pytest.raises(asyncio.CancelledError):
        await leaving


async def test_a_failed_read_is_not_kept_and_is_tried_again() -> None:
    calls = 0

    async def flaky() -> bytes | None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("store down")
        return b"[1]"

    recent = RecentSuggestions(fresh_s=60.0, clock=Clock())

    with pytest.raises(ConnectionError):
        await recent.get("s-1", flaky)
    assert await recent.get("s-1", flaky) == b"[1]"
