"""A seeker's day's count, against the real server: never past the limit, even when asked at
once; given back; per day; forgotten with the seeker."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from servicekit.daily_counts import DailyCounts, slot_of
from servicekit.data import Database, detect
from servicekit.settings import MongoSettings

pytestmark = pytest.mark.integration
TODAY = date(2026, 12, 3)


@pytest.fixture
async def counts(mongo: MongoSettings, run_id: str) -> AsyncIterator[DailyCounts]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    raw = client[f"test_{run_id}"]
    yield DailyCounts(Database(raw, await detect(raw)).documents("daily"))
    await client.close()


def test_a_slot_is_a_seeker_and_a_day() -> None:
    assert slot_of("s-1", TODAY) == "s-1|2026-12-03"
    assert slot_of("s-1", date(2026, 12, 4)) != slot_of("s-1", TODAY)


async def test_requests_at_once_never_pass_the_limit(counts: DailyCounts) -> None:
    taken = await asyncio.gather(*(counts.take("s-1", TODAY, 3) for _ in range(8)))
    assert sum(taken) == 3
    assert await counts.take("s-1", date(2026, 12, 4), 3), "a new day, a new count"
    assert await counts.take("s-2", TODAY, 3), "each seeker their own"


async def test_a_slot_given_back_can_be_taken_again(counts: DailyCounts) -> None:
    assert await counts.take("s-1", TODAY, 1)
    assert not await counts.take("s-1", TODAY, 1)
    await counts.give_back("s-1", TODAY)
    assert await counts.take("s-1", TODAY, 1)


async def test_forgetting_a_seeker_leaves_the_others(counts: DailyCounts) -> None:
    for seeker in ("s-1", "s-2"):
        assert await counts.take(seeker, TODAY, 1)
    await counts.forget("s-1")
    assert await counts.documents.get(slot_of("s-1", TODAY)) is None
    assert await counts.documents.get(slot_of("s-2", TODAY)) is not None
