"""`python -m recommender.rebuild` gives the store back from the topics, publishing nothing."""

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console
from testkit.builders import GRENOBLE, OfferBuilder, ProfileBuilder
from testkit.stack import eventually, read_records

from contracts import (
    FEEDBACK_RECORDED,
    MATCH_FOUND,
    MATCH_WITHDRAWN,
    PROFILE_UPDATED,
    OfferClosed,
    ProfileDeleted,
    topic_name,
)
from contracts.vocabulary import FeedbackReason
from recommender.config import Settings
from recommender.feedback import record_feedback
from recommender.rebuild import run
from recommender.service import Recommender
from refdata import Referential
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings, MongoSettings

from .support import Publisher, recommender_of, running, settings_for

pytestmark = pytest.mark.integration

ANNOUNCED = (MATCH_FOUND, MATCH_WITHDRAWN, FEEDBACK_RECORDED)


@pytest.fixture
def settings(kafka: KafkaSettings, mongo: MongoSettings, run_id: str) -> Settings:
    # Caps that never bind: the suggestions then do not depend on the order events came in.
    return settings_for(kafka, mongo, run_id, alerts_per_position=1000, max_alerts_per_offer=1000)


async def state_of(recommender: Recommender) -> dict[str, Any]:
    seekers = {
        d["_id"]: {
            "version": d["version"],
            "partition": d["partition"],
            "matches": {
                key: (m["score"], m["offer_version"], m["profile_version"], m["reasons"])
                for key, m in d.get("matches", {}).items()
            },
            "feedback": [(f["offer_id"], f["reason"], f["distance_km"]) for f in d["feedback"]],
            "rejected": sorted(d["rejected"]),
        }
        async for d in recommender.seekers.documents.raw.find({})
    }
    offers = {
        d["_id"]: {
            "status": d["status"],
            "version": d["version"],
            "matched": sorted(d["matched"]),
            "facts": d.get("offer"),
        }
        async for d in recommender.offers.documents.raw.find({})
    }
    return {"seekers": seekers, "offers": offers}


async def how_many(kafka: KafkaSettings, base: str, at_least: int) -> int:
    """The records of a topic: at least `at_least` (waited for), and whatever else comes in 2 s."""
    records = await read_records(kafka, base, at_least)
    with pytest.raises(AssertionError, match=r"got \d+"):
        await read_records(kafka, base, len(records) + 1, timeout_s=2)
    return len(records)


async def test_a_rebuild_from_the_topics_gives_back_the_same_store_and_publishes_nothing(
    settings: Settings,
    referential: Referential,
    kafka: KafkaSettings,
    a_profile: ProfileBuilder,
    an_offer: OfferBuilder,
) -> None:
    publisher = Publisher(kafka)
    await publisher.broker.start()
    try:
        async with running(settings, referential) as app:
            recommender = recommender_of(app)
            seekers = recommender.seekers.documents.raw
            offers = recommender.offers.documents.raw
            # One kind of change at a time: the state then does not depend on how they interleave.
            for n in range(1, 4):
                await publisher.send(an_offer(f"o-{n}"))
            await publisher.send(an_offer("o-2", version=2, title="Agent (H/F)"))
            done = {"status": "matched", "$or": [{"_id": {"$ne": "o-2"}}, {"version": 2}]}
            assert await eventually(lambda: offers.count_documents(done), 3, timeout_s=30) == 3
            for n in range(1, 6):
                place = {"place": GRENOBLE} if n == 5 else {}
                await publisher.send(a_profile(f"s-{n}", **place))
            assert await eventually(lambda: seekers.count_documents({}), 5, timeout_s=30) == 5
            await publisher.send(a_profile("s-1", version=2, radius_km=30))
            assert (
                await eventually(lambda: seekers.count_documents({"version": 2}), 1, timeout_s=30)
                == 1
            )
            closed = OfferClosed(offer_id="o-3", reason="filled", closed_at=datetime.now(UTC))
            await publisher.send(closed)

            async def matched_o3() -> int:
                stored = await offers.find_one({"_id": "o-3", "status": "closed"})
                return -1 if stored is None else len(stored["matched"])

            assert await eventually(matched_o3, 0, timeout_s=30) == 0
            erased = ProfileDeleted(seeker_id="s-4", deleted_at=datetime.now(UTC))
            await publisher.send(erased)
            # What profiles publishes on an erasure too: the seeker's tombstone on the compacted
            # profile-updated, skipped by the consumer (no dead letter) and folded by the rebuild.
            profiles_topic = topic_name(PROFILE_UPDATED, kafka.topic_suffix)
            await publisher.broker.publish(None, profiles_topic, key=b"s-4")
            assert await eventually(lambda: seekers.count_documents({}), 4, timeout_s=30) == 4
            await record_feedback(recommender, "s-2", "o-1", FeedbackReason.OTHER)
            assert await eventually(lambda: seekers.count_documents(PENDING), 0, timeout_s=30) == 0
            before = await state_of(recommender)
    finally:
        await publisher.broker.stop()
    announced = {base: await how_many(kafka, base, 1) for base in ANNOUNCED}
    # s-1, s-2 and s-3 live near the two open offers (s-4 is erased, s-5 far away); s-2 turned
    # o-1 down.
    pairs = sum(len(s["matches"]) for s in before["seekers"].values())
    assert pairs == 5
    assert before["seekers"]["s-2"]["feedback"][0][:2] == ("o-1", "other")
    assert before["offers"]["o-3"]["status"] == "closed"
    assert "s-4" not in before["seekers"]

    # Without --yes: the store is left alone.
    output = io.StringIO()
    assert await run(settings, referential, False, Console(file=output, width=200)) == 1
    assert "Nothing done" in output.getvalue()

    output = io.StringIO()
    assert await run(settings, referential, True, Console(file=output, width=200)) == 0

    assert "Done." in output.getvalue(), output.getvalue()
    async with running(settings, referential) as app:
        after = await state_of(recommender_of(app))
        assert recommender_of(app).engine.shards() == {
            seeker_id: s["partition"] for seeker_id, s in before["seekers"].items()
        }
    assert after == before
    # Nothing announced again: neither by the rebuild nor by the service restarted on it.
    for base, count in announced.items():
        assert await how_many(kafka, base, count) == count, base
