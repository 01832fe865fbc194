"""The recommender against the real Kafka broker and FerretDB."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.apps import client_of
from testkit.stack import eventually, header, read_records

from contracts import (
    DEAD_LETTER,
    EventPayload,
    FeedbackRecorded,
    MatchFound,
    MatchWithdrawn,
    OfferClosed,
    ProfileDeleted,
    decode,
    encode,
    new_envelope,
)
from recommender import reads
from recommender.config import Settings
from refdata import Referential
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings, MongoSettings

from .support import Feed, recommender_of, running, settings_for

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(kafka: KafkaSettings, mongo: MongoSettings, run_id: str) -> Settings:
    return settings_for(kafka, mongo, run_id, alerts_per_position=2)


@pytest.fixture
async def app(settings: Settings, referential: Referential) -> AsyncIterator[FastAPI]:
    async with running(settings, referential) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, "http://recommender") as client:
        yield client


def as_(sub: str, role: Role) -> dict[str, str]:
    # Long-lived: module-level headers are minted at collection, long before some tests run.
    token = issue_internal_token(
        Principal(sub=sub, role=role), InternalAuthSettings(token_ttl_s=3600)
    )
    return {"Authorization": f"Bearer {token}"}


OPERATOR = as_("op-1", Role.OPERATOR)


async def matches_count(app: FastAPI, seeker_id: str) -> int:
    found = await reads.recommendations(recommender_of(app), seeker_id)
    return -1 if found is None else len(found)


async def offers_matched(app: FastAPI) -> int:
    return await recommender_of(app).offers.documents.raw.count_documents({"status": "matched"})


async def drained(app: FastAPI) -> int:
    return await recommender_of(app).seekers.documents.raw.count_documents(PENDING)


async def no_more(kafka: KafkaSettings, kind: type[EventPayload], count: int) -> None:
    with pytest.raises(AssertionError, match=f"got {count}"):
        await read_records(kafka, kind.topic, count + 1, timeout_s=2)


async def test_the_same_event_twice_gives_one_match_and_one_match_found(
    app: FastAPI,
    client: httpx.AsyncClient,
    feed: Feed,
) -> None:
    await feed.publisher.send(feed.an_offer())
    profile = feed.a_profile(review_before_send=True, no_smartphone=True)
    body = await feed.publisher.send(profile)
    await feed.publisher.send(profile, raw=body)

    assert await eventually(lambda: matches_count(app, "s-1"), 1, timeout_s=20) == 1
    [record] = await read_records(feed.kafka, MatchFound.topic, 1)
    found = decode(record.value, MatchFound).payload
    assert (found.seeker_id, found.offer_id, found.profile_version) == ("s-1", "o-1", 1)
    assert found.needs_review
    assert found.via_counsellor
    assert found.strong
    assert found.counsellor_id == "c-1"
    assert "occupation_exact" in {r.code for r in found.reasons}
    assert record.key == b"s-1"
    await no_more(feed.kafka, MatchFound, 1)

    response = await client.get("/seekers/s-1/recommendations", headers=as_("s-1", Role.SEEKER))
    assert response.status_code == 200
    [suggestion] = response.json()
    assert suggestion["offer_id"] == "o-1"
    assert suggestion["reasons"][0]["text"].startswith("C'est le métier que vous recherchez")


async def test_a_profile_then_an_offer_then_its_closure(
    app: FastAPI,
    client: httpx.AsyncClient,
    feed: Feed,
) -> None:
    await feed.publisher.send(feed.a_profile())
    await feed.publisher.send(
        feed.a_profile("s-2", occupations=[{"rome_code": "K1304", "priority": 1}])
    )
    assert await eventually(lambda: matches_count(app, "s-2"), 0, timeout_s=20) == 0
    await feed.publisher.send(feed.an_offer())

    found = await feed.announced(MatchFound, 2)
    assert {p.seeker_id for p in found} == {"s-1", "s-2"}
    response = await client.get("/offers/o-1/matches", headers=OPERATOR)
    assert [m["seeker_id"] for m in response.json()] == ["s-1", "s-2"]
    assert response.json()[1]["reasons"][0]["code"] == "occupation_neighbour"

    await feed.publisher.send(feed.a_profile(version=2, skills=["Autre chose"]))
    assert await eventually(
        lambda: recommender_of(app).seekers.documents.raw.count_documents({"version": 2}), 1
    )
    await no_more(feed.kafka, MatchFound, 2)

    closed = OfferClosed(offer_id="o-1", reason="filled", closed_at=datetime.now(UTC))
    await feed.publisher.send(closed)
    withdrawn = await feed.announced(MatchWithdrawn, 2)
    assert {(p.seeker_id, p.reason.value) for p in withdrawn} == {
        ("s-1", "offer_closed"),
        ("s-2", "offer_closed"),
    }
    assert await matches_count(app, "s-1") == 0


async def test_a_poison_message_is_dead_lettered_and_the_next_one_processed(
    app: FastAPI,
    feed: Feed,
) -> None:
    await feed.publisher.send(feed.a_profile("s-9"), raw=b"{not json")
    invalid = encode(new_envelope(feed.a_profile("s-9"), producer="test")).replace(
        b'"radius_km":15', b'"radius_km":-3'
    )
    await feed.publisher.send(feed.a_profile("s-9"), raw=invalid)
    await feed.publisher.send(feed.a_profile("s-9"))

    assert await eventually(lambda: matches_count(app, "s-9"), 0, timeout_s=20) == 0
    records = await read_records(feed.kafka, DEAD_LETTER, 2)
    # Each letter has a key of its own: they may sit in two partitions, put them in order.
    records.sort(key=lambda r: int(header(r, "x-original-offset") or 0))
    reasons = [header(r, "x-dead-letter-reason") or "" for r in records]
    assert reasons[0].startswith("not valid JSON")
    assert "radius_km" in reasons[1]


async def test_a_restart_rebuilds_an_identical_index(
    settings: Settings,
    referential: Referential,
    feed: Feed,
) -> None:
    def snapshot(app: FastAPI) -> dict[str, Any]:
        engine = recommender_of(app).engine
        return {
            "index": {
                key: sorted(str(engine.ids[s]) for s in slots)
                for key, slots in engine.index.items()
            },
            "seekers": {sid: engine.seeker(slot) for sid, slot in engine.slot_of.items()},
            "offers": dict(engine.offers),
            "alerted": {k: v for k, v in engine.alerted.items() if v},
            "stats": reads.stats(recommender_of(app)),
        }

    async with running(settings, referential) as app:
        await feed.publisher.send(feed.an_offer())
        for n in range(5):
            await feed.publisher.send(feed.a_profile(f"s-{n}", radius_km=5 + 10 * n))
        seekers = recommender_of(app).seekers.documents.raw
        assert await eventually(lambda: seekers.count_documents({}), 5, timeout_s=20) == 5
        assert await eventually(lambda: offers_matched(app), 1, timeout_s=20) == 1
        before = snapshot(app)

    async with running(settings, referential) as app:
        after = snapshot(app)

    assert after == before
    assert len(before["seekers"]) == 5
    assert before["stats"]["alerts_total"] == 2  # one position, two alerts per position


async def test_erasure_leaves_nothing(
    app: FastAPI,
    client: httpx.AsyncClient,
    feed: Feed,
) -> None:
    await feed.publisher.send(feed.an_offer())
    await feed.publisher.send(feed.a_profile("gone"))
    assert await eventually(lambda: matches_count(app, "gone"), 1, timeout_s=20) == 1
    await client.post(
        "/seekers/gone/recommendations/o-1/feedback",
        json={"reason": "too_far"},
        headers=as_("gone", Role.SEEKER),
    )

    await feed.publisher.send(ProfileDeleted(seeker_id="gone", deleted_at=datetime.now(UTC)))

    recommender = recommender_of(app)
    engine = recommender.engine

    async def traces() -> str:
        # The seeker's document and the engine's entry go first, the offers' lists (and the
        # note of the erasure) with the next sweep.
        stored = [
            *await recommender.seekers.documents.raw.find({}).to_list(None),
            *await recommender.offers.documents.raw.find({}).to_list(None),
            *await recommender.offers.erasures.raw.find({}).to_list(None),
        ]
        return repr(stored) if "gone" in repr(stored) or "gone" in engine.slot_of else ""

    assert await eventually(traces, "", timeout_s=20) == ""
    assert "gone" not in engine.slot_of
    assert "gone" not in engine.ids
    assert engine.index == {}
    response = await client.get("/seekers/gone/recommendations", headers=OPERATOR)
    assert response.status_code == 404


async def test_feedback_is_recorded_published_and_withdraws_the_match(
    app: FastAPI,
    client: httpx.AsyncClient,
    feed: Feed,
) -> None:
    await feed.publisher.send(feed.an_offer())
    await feed.publisher.send(feed.a_profile())
    assert await eventually(lambda: matches_count(app, "s-1"), 1, timeout_s=20) == 1
    path = "/seekers/s-1/recommendations/o-1/feedback"

    assert (await client.post(path, json={"reason": "too_far"})).status_code == 401
    assert (
        await client.post(path, json={"reason": "nope"}, headers=as_("s-1", Role.SEEKER))
    ).status_code == 422
    assert (
        await client.post(path, json={"reason": "too_far"}, headers=as_("s-2", Role.SEEKER))
    ).status_code == 403
    response = await client.post(path, json={"reason": "too_far"}, headers=as_("s-1", Role.SEEKER))

    assert response.status_code == 201
    [recorded] = await feed.announced(FeedbackRecorded, 1)
    assert recorded.counsellor_id == "c-1"
    [withdrawn] = await feed.announced(MatchWithdrawn, 1)
    assert withdrawn.reason.value == "seeker_feedback"
    assert await matches_count(app, "s-1") == 0
    counsellor = await client.get("/seekers/s-1/feedback", headers=as_("c-1", Role.COUNSELLOR))
    assert [f["reason"] for f in counsellor.json()] == ["too_far"]
    other = await client.get("/seekers/s-1/feedback", headers=as_("c-2", Role.COUNSELLOR))
    assert other.status_code == 403
    # "Too far" at ~4 km: nearer offers only from now on.
    assert (
        recommender_of(app).engine.seeker(recommender_of(app).engine.slot_of["s-1"]).radius_km < 4
    )
    assert await eventually(lambda: drained(app)) == 0


async def test_an_offer_alerts_a_bounded_number_of_seekers(
    app: FastAPI,
    client: httpx.AsyncClient,
    feed: Feed,
) -> None:
    for n in range(5):
        await feed.publisher.send(feed.a_profile(f"s-{n}"))
    assert await eventually(lambda: matches_count(app, "s-4"), 0, timeout_s=20) == 0
    await feed.publisher.send(feed.an_offer("o-1"))
    await feed.publisher.send(feed.an_offer("o-2"))

    found = await feed.announced(MatchFound, 4)
    await no_more(feed.kafka, MatchFound, 4)
    alerted = [p.seeker_id for p in found]
    assert len(set(alerted)) == 4  # the second offer went to other, equally good seekers
    stats = (await client.get("/stats", headers=OPERATOR)).json()
    assert stats["alerts_per_offer"] == {"2": 2}
    assert stats["alerts_per_seeker"] == {"0": 1, "1": 4}
    seeker = await client.get("/stats", headers=as_("s-1", Role.SEEKER))
    assert seeker.status_code == 403
