"""Two recommender replicas share the seekers by partition, and every offer reaches both.

A stream of profiles and offers; a second replica joins in the middle (a rebalance), then the first
leaves (another). Every (seeker, offer) pair that fits is announced exactly once, and each replica
holds only the seekers of the partitions it owns.
"""

import asyncio
import time
from collections import defaultdict

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from testkit.builders import GRENOBLE
from testkit.stack import eventually, from_the_start

from contracts import (
    MATCH_FOUND,
    MatchFound,
    decode,
)
from recommender.config import Settings
from recommender.main import create_app
from recommender.service import Recommender
from refdata import Referential
from servicekit.settings import KafkaSettings, MongoSettings

from .support import Feed, settings_for

pytestmark = pytest.mark.integration

PARTITIONS = {0, 1, 2}


@pytest.fixture
def settings(kafka: KafkaSettings, mongo: MongoSettings, run_id: str) -> Settings:
    # Caps high enough that every fitting pair is a match: the expected set is then known.
    return settings_for(
        kafka, mongo, run_id, alerts_per_position=1000, max_alerts_per_offer=1000, top_k=100
    )


class Replica:
    def __init__(self, settings: Settings, referential: Referential, name: str) -> None:
        self.app: FastAPI = create_app(
            settings.model_copy(update={"replica_id": name}), referential
        )
        self.manager = LifespanManager(self.app, startup_timeout=120, shutdown_timeout=60)
        self.running = False

    async def start(self) -> "Replica":
        await self.manager.__aenter__()
        self.running = True
        return self

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self.manager.__aexit__(None, None, None)

    async def owned(self) -> set[int]:
        return set(self.recommender.owned)

    @property
    def recommender(self) -> Recommender:
        return self.app.state.recommender  # type: ignore[no-any-return]

    async def stored_seekers_of_owned_partitions(self) -> set[str]:
        owned = sorted(self.recommender.owned)
        cursor = self.recommender.seekers.documents.raw.find(
            {"partition": {"$in": owned}}, {"_id": 1}
        )
        return {d["_id"] async for d in cursor}


def seeker_id(n: int) -> str:
    return f"s-{n:02d}"


def fits(n: int) -> bool:
    return n % 3 != 2  # every third seeker lives far away


async def stored_pairs(replica: Replica) -> set[tuple[str, str]]:
    pairs = set()
    async for document in replica.recommender.seekers.documents.raw.find({}, {"matches": 1}):
        pairs.update((document["_id"], offer_id) for offer_id in document.get("matches", {}))
    return pairs


async def announced(kafka: KafkaSettings, quiet_s: float = 4.0) -> dict[tuple[str, str], set[str]]:
    """Every match-found on the topic: (seeker, offer) -> the distinct event ids announcing it."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    last = time.monotonic()
    async with from_the_start(kafka, MATCH_FOUND) as consumer:
        while time.monotonic() - last < quiet_s:
            for batch in (await consumer.getmany(timeout_ms=300)).values():
                for record in batch:
                    event = decode(record.value, MatchFound)
                    found[(event.payload.seeker_id, event.payload.offer_id)].add(
                        str(event.event_id)
                    )
                    last = time.monotonic()
    return found


async def test_two_replicas_share_the_seekers_and_announce_every_match_once(
    settings: Settings,
    referential: Referential,
    feed: Feed,
) -> None:
    async def profile(n: int) -> None:
        place = {} if fits(n) else {"place": GRENOBLE}
        await feed.publisher.send(feed.a_profile(seeker_id(n), **place))

    async def offer(n: int) -> None:
        await feed.publisher.send(feed.an_offer(f"o-{n}"))

    async def stream(seekers: range, offers: range) -> None:
        for n, m in zip(seekers, offers, strict=False):
            await profile(n)
            await offer(m)
            await asyncio.sleep(0.2)
        for n in seekers[len(offers) :]:
            await profile(n)
            await asyncio.sleep(0.2)

    first = await Replica(settings, referential, "a").start()
    second: Replica | None = None
    try:
        assert first.recommender.owned == PARTITIONS
        await stream(range(0, 6), range(0, 3))

        # A second replica joins while profiles and offers keep coming.
        streaming = asyncio.create_task(stream(range(6, 18), range(3, 7)))
        second = await Replica(settings, referential, "b").start()
        await streaming
        expected_now = {(seeker_id(n), f"o-{m}") for n in range(18) if fits(n) for m in range(7)}
        assert await eventually(lambda: stored_pairs(second), expected_now, timeout_s=60) == (
            expected_now
        )

        # Both replicas have settled on one assignment, and split the partitions between them.
        async def owned_by_both() -> set[int]:
            assert second is not None
            return await first.owned() | await second.owned()

        assert await eventually(owned_by_both, PARTITIONS, timeout_s=30) == PARTITIONS
        assert first.recommender.owned.isdisjoint(second.recommender.owned)
        assert first.recommender.owned
        assert second.recommender.owned
        for replica in (first, second):
            held = set(replica.recommender.engine.slot_of)
            assert held == await replica.stored_seekers_of_owned_partitions()
            assert set(replica.recommender.engine.shards().values()) <= replica.recommender.owned
        assert len(first.recommender.engine) + len(second.recommender.engine) == 18

        # Every replica holds every open offer (each reads them in a group of its own: in time).
        async def same_offers() -> bool:
            assert second is not None
            return set(first.recommender.engine.offers) == set(second.recommender.engine.offers)

        assert await eventually(same_offers, True, timeout_s=30)

        # The first replica leaves while more offers and profiles come.
        streaming = asyncio.create_task(stream(range(18, 21), range(7, 10)))
        await first.stop()
        await streaming
        expected = {(seeker_id(n), f"o-{m}") for n in range(21) if fits(n) for m in range(10)}
        assert await eventually(lambda: stored_pairs(second), expected, timeout_s=60) == expected
        assert await eventually(second.owned, PARTITIONS, timeout_s=30) == PARTITIONS
        assert set(second.recommender.engine.slot_of) == {seeker_id(n) for n in range(21)}
        assert len(second.recommender.engine.offers) == 10

        found = await announced(feed.kafka)
    finally:
        if second is not None:
            await second.stop()
        await first.stop()

    assert set(found) == expected, {
        "missing": expected - set(found),
        "extra": set(found) - expected,
    }
    duplicated = {pair: ids for pair, ids in found.items() if len(ids) > 1}
    assert duplicated == {}
