"""Offers in batches against the real Kafka broker and FerretDB: a redelivered batch finds its
effect stored, writes no seeker and publishes nothing; a stop between two slices of a batch
commits what was done."""

import asyncio
import time

import pytest
from testkit.stack import eventually, read_records

from contracts import MATCH_FOUND, MatchFound, decode
from recommender.config import Batches, Settings
from refdata import Referential
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings, MongoSettings

from .support import Feed, recommender_of, running, settings_for

pytestmark = pytest.mark.integration

SEEKERS = [f"s-{n}" for n in range(4)]
OFFERS = [f"o-{n}" for n in range(3)]
OFFERS_UNDER_LOAD = 30


@pytest.fixture
def settings(kafka: KafkaSettings, mongo: MongoSettings, run_id: str) -> Settings:
    return settings_for(kafka, mongo, run_id, alerts_per_position=10)


async def test_a_redelivered_batch_of_offers_writes_no_seeker_and_publishes_nothing(
    settings: Settings,
    referential: Referential,
    feed: Feed,
) -> None:
    async with running(settings, referential) as app:
        recommender = recommender_of(app)
        seekers = recommender.seekers.documents.raw
        for seeker_id in SEEKERS:
            await feed.publisher.send(feed.a_profile(seeker_id))
        assert await eventually(lambda: seekers.count_documents({}), 4, timeout_s=20) == 4
        bodies = [await feed.publisher.send(feed.an_offer(o)) for o in OFFERS]
        found = await read_records(feed.kafka, MATCH_FOUND, 12, timeout_s=30)
        assert len({(r.key, r.value) for r in found}) == 12
        assert await eventually(lambda: seekers.count_documents(PENDING), 0, timeout_s=20) == 0
        revisions = {d["_id"]: d["rev"] async for d in seekers.find({}, {"rev": 1})}

        for offer_id, body in zip(OFFERS, bodies, strict=True):
            await feed.publisher.send(feed.an_offer(offer_id), raw=body)
        offers = recommender.offers.documents.raw

        async def handled() -> int:
            # The relay may still be removing sent entries: only the offers' state is awaited.
            return await offers.count_documents({"status": "matched"})

        assert await eventually(handled, 3, timeout_s=20) == 3
        await asyncio.sleep(2)  # the redelivered batch has been polled and handled
        assert {d["_id"]: d["rev"] async for d in seekers.find({}, {"rev": 1})} == revisions
    with pytest.raises(AssertionError, match="got 12"):
        await read_records(feed.kafka, MATCH_FOUND, 13, timeout_s=2)


async def test_a_stop_under_load_ends_within_seconds_and_loses_nothing(
    settings: Settings,
    referential: Referential,
    feed: Feed,
) -> None:
    # Slices of a few offers: the stop comes while a batch is in hand. Every offer suits every
    # seeker and is kept: each pair is announced once, whatever the stop.
    changes = {"batches": Batches(slice_s=0.1), "top_k": 100}
    settings = settings.model_copy(update=changes)
    offer_ids = [f"o-{n:03d}" for n in range(OFFERS_UNDER_LOAD)]
    async with running(settings, referential) as app:
        seekers = recommender_of(app).seekers.documents.raw
        for seeker_id in SEEKERS:
            await feed.publisher.send(feed.a_profile(seeker_id))
        assert await eventually(lambda: seekers.count_documents({}), 4, timeout_s=20) == 4
        for offer_id in offer_ids:
            await feed.publisher.send(feed.an_offer(offer_id, positions=2))
        offers = recommender_of(app).offers.documents.raw

        async def some_matched() -> bool:
            return await offers.count_documents({"status": "matched"}) > 0

        assert await eventually(some_matched, True, timeout_s=30)
        stopping = time.monotonic()
    assert time.monotonic() - stopping < 10

    # Started again, the service handles what the stop left, and announces nothing twice.
    async with running(settings, referential) as app:
        offers = recommender_of(app).offers.documents.raw
        matched = {"status": "matched"}
        done = await eventually(lambda: offers.count_documents(matched), OFFERS_UNDER_LOAD, 120)
        assert done == OFFERS_UNDER_LOAD
        found = await read_records(feed.kafka, MATCH_FOUND, 4 * OFFERS_UNDER_LOAD, timeout_s=30)
    pairs = {
        (p.seeker_id, p.offer_id) for p in (decode(r.value, MatchFound).payload for r in found)
    }
    assert len(pairs) == len(found) == 4 * OFFERS_UNDER_LOAD
