"""Batches of events on in-memory repositories: each seeker written once per batch, a redelivered
batch changes nothing, a seeker written meanwhile is computed again (no I/O)."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TypeVar

import pytest
from testkit.builders import GRENOBLE, OfferBuilder, ProfileBuilder

from contracts import (
    MATCH_FOUND,
    MATCH_WITHDRAWN,
    Envelope,
    EventPayload,
    OfferClosed,
    ProfileDeleted,
    new_envelope,
)
from recommender.domain.engine import MatchingEngine
from recommender.erasure import ErasureSweep, forget_seekers_on_profiles_deleted
from recommender.matching import recompute_matches_on_profiles_updated
from recommender.offers import match_seekers_on_offers_published, withdraw_matches_on_offers_closed
from recommender.repositories import SeekerWrite
from recommender.service import Recommender

from .fakes import offers_of, recommender_on_fakes, seekers_of

SEEKERS = ["s-1", "s-2", "s-3"]
OFFERS = ["o-1", "o-2", "o-3"]


P = TypeVar("P", bound=EventPayload)


def envelopes(payloads: Sequence[P]) -> list[Envelope[P]]:
    return [new_envelope(p, producer="test") for p in payloads]


async def with_seekers(
    engine: MatchingEngine, a_profile: ProfileBuilder, seeker_ids: list[str], **settings: object
) -> Recommender:
    recommender = recommender_on_fakes(engine, **settings)
    profiles = envelopes([a_profile(s) for s in seeker_ids])
    await recompute_matches_on_profiles_updated(recommender, profiles, [0] * len(profiles))
    seekers_of(recommender).writes.clear()
    return recommender


@pytest.fixture
async def recommender(engine: MatchingEngine, a_profile: ProfileBuilder) -> Recommender:
    """A recommender on fakes that knows the four seekers."""
    return await with_seekers(engine, a_profile, SEEKERS)


async def test_a_batch_of_offers_writes_each_seeker_once(
    recommender: Recommender, an_offer: OfferBuilder
) -> None:
    seekers = seekers_of(recommender)
    reads = seekers.reads

    await match_seekers_on_offers_published(recommender, envelopes([an_offer(o) for o in OFFERS]))

    assert seekers.writes == dict.fromkeys(SEEKERS, 1)
    assert seekers.reads == reads + 1  # every seeker read in one lookup
    for seeker_id in SEEKERS:
        assert seekers.events(seeker_id) == [MATCH_FOUND] * 3
        assert set(seekers.documents[seeker_id]["matches"]) == set(OFFERS)
    offers = offers_of(recommender)
    assert {o: sorted(d["matched"]) for o, d in offers.documents.items()} == dict.fromkeys(
        OFFERS, SEEKERS
    )
    assert {d["status"] for d in offers.documents.values()} == {"matched"}


async def test_a_redelivered_batch_of_offers_writes_and_announces_nothing(
    recommender: Recommender, an_offer: OfferBuilder
) -> None:
    batch = envelopes([an_offer(o) for o in OFFERS])
    await match_seekers_on_offers_published(recommender, batch)
    seekers = seekers_of(recommender)
    seekers.writes.clear()
    stored = {s: seekers.events(s) for s in SEEKERS}

    await match_seekers_on_offers_published(recommender, batch)

    assert seekers.writes == {}
    assert {s: seekers.events(s) for s in SEEKERS} == stored


async def test_a_seeker_written_meanwhile_is_written_again_without_a_second_alert(
    recommender: Recommender, engine: MatchingEngine, an_offer: OfferBuilder
) -> None:
    seekers = seekers_of(recommender)

    def concurrent_write(writes: Sequence[SeekerWrite]) -> None:
        # Another writer (a profile event, feedback) got to s-2 first, once.
        seekers.documents["s-2"]["rev"] += 1
        seekers.before_save = lambda writes: None

    seekers.before_save = concurrent_write

    await match_seekers_on_offers_published(recommender, envelopes([an_offer(o) for o in OFFERS]))

    assert seekers.writes == dict.fromkeys(SEEKERS, 1)
    assert seekers.events("s-2") == [MATCH_FOUND] * 3
    assert recommender.engine.alerts[recommender.engine.slot_of["s-2"]] == 3


async def test_offers_of_one_batch_share_their_alerts_among_equally_good_seekers(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    recommender = await with_seekers(engine, a_profile, ["s-1", "s-2"], alerts_per_position=1)

    await match_seekers_on_offers_published(
        recommender, envelopes([an_offer("o-1"), an_offer("o-2")])
    )

    seekers = seekers_of(recommender)
    assert [seekers.events(s) for s in ("s-1", "s-2")] == [[MATCH_FOUND], [MATCH_FOUND]]
    alerted = {o: d["alerted"] for o, d in offers_of(recommender).documents.items()}
    assert sorted(alerted["o-1"] + alerted["o-2"]) == ["s-1", "s-2"]
    assert [int(recommender.engine.alerts[s]) for s in recommender.engine.slot_of.values()] == [
        1,
        1,
    ]


async def test_a_newer_version_in_the_batch_is_the_one_matched(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    recommender = await with_seekers(engine, a_profile, ["s-1"])

    await match_seekers_on_offers_published(
        recommender,
        envelopes([an_offer("o-1", version=2, title="Agent (H/F)"), an_offer("o-1")]),
    )

    [match] = seekers_of(recommender).documents["s-1"]["matches"].values()
    assert (match["offer_version"], match["offer_title"]) == (2, "Agent (H/F)")


async def test_a_batch_of_closures_withdraws_each_seekers_matches_in_one_write(
    recommender: Recommender, engine: MatchingEngine, an_offer: OfferBuilder
) -> None:
    await match_seekers_on_offers_published(recommender, envelopes([an_offer(o) for o in OFFERS]))
    seekers = seekers_of(recommender)
    seekers.writes.clear()
    now = datetime.now(UTC)
    closures = [OfferClosed(offer_id=o, reason="filled", closed_at=now) for o in OFFERS[:2]]

    await withdraw_matches_on_offers_closed(recommender, envelopes(closures))
    await withdraw_matches_on_offers_closed(recommender, envelopes(closures))  # redelivered

    assert seekers.writes == dict.fromkeys(SEEKERS, 1)
    for seeker_id in SEEKERS:
        assert seekers.events(seeker_id)[3:] == [MATCH_WITHDRAWN] * 2
        assert list(seekers.documents[seeker_id]["matches"]) == ["o-3"]
    assert set(recommender.engine.offers) == {"o-3"}


async def test_a_batch_of_erasures_leaves_nothing_once_swept(
    recommender: Recommender, engine: MatchingEngine, an_offer: OfferBuilder
) -> None:
    await match_seekers_on_offers_published(recommender, envelopes([an_offer(o) for o in OFFERS]))
    sweep = ErasureSweep(recommender.seekers, recommender.offers)
    now = datetime.now(UTC)
    erased = [ProfileDeleted(seeker_id=s, deleted_at=now) for s in SEEKERS[:2]]

    await forget_seekers_on_profiles_deleted(recommender, envelopes(erased), sweep)

    assert set(seekers_of(recommender).documents) == {"s-3"}
    assert set(recommender.engine.slot_of) == {"s-3"}
    assert await sweep.sweep_once() == 2
    offers = offers_of(recommender)
    assert {d["_id"]: (d["alerted"], d["matched"]) for d in offers.documents.values()} == {
        o: (["s-3"], ["s-3"]) for o in OFFERS
    }
    assert offers.erasures == set()


async def test_a_far_seeker_is_neither_read_nor_written(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    recommender = recommender_on_fakes(engine)
    await recompute_matches_on_profiles_updated(
        recommender, envelopes([a_profile("near"), a_profile("far", place=GRENOBLE)]), [0, 0]
    )
    seekers = seekers_of(recommender)
    seekers.writes.clear()

    await match_seekers_on_offers_published(recommender, envelopes([an_offer()]))

    assert seekers.writes == {"near": 1}


async def test_a_seeker_back_before_the_sweep_keeps_their_new_matches(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    recommender = await with_seekers(engine, a_profile, ["s-1"])
    await match_seekers_on_offers_published(recommender, envelopes([an_offer("o-1")]))
    sweep = ErasureSweep(recommender.seekers, recommender.offers)
    erased = ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC))
    await forget_seekers_on_profiles_deleted(recommender, envelopes([erased]), sweep)

    await recompute_matches_on_profiles_updated(recommender, envelopes([a_profile("s-1")]), [0])
    assert await sweep.sweep_once() == 1

    offer = offers_of(recommender).documents["o-1"]
    assert (offer["alerted"], offer["matched"]) == (["s-1"], ["s-1"])
    assert offers_of(recommender).erasures == set()


async def test_a_batch_that_fails_leaves_the_engine_as_it_was_and_succeeds_when_retried(
    recommender: Recommender, engine: MatchingEngine, an_offer: OfferBuilder
) -> None:
    seekers = seekers_of(recommender)

    def store_down(writes: Sequence[SeekerWrite]) -> None:
        seekers.before_save = lambda writes: None
        raise ConnectionError("the store went away")

    seekers.before_save = store_down
    batch = envelopes([an_offer(o) for o in OFFERS])
    with pytest.raises(ConnectionError):
        await match_seekers_on_offers_published(recommender, batch)

    assert [int(recommender.engine.alerts[s]) for s in recommender.engine.slot_of.values()] == [
        0,
        0,
        0,
    ]
    assert all(not recommender.engine.alerted[o] for o in OFFERS)
    await match_seekers_on_offers_published(recommender, batch)
    assert {s: seekers.events(s) for s in SEEKERS} == dict.fromkeys(SEEKERS, [MATCH_FOUND] * 3)
