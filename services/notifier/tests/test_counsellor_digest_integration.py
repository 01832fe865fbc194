"""Counsellor digests against the real Kafka and FerretDB, with a controllable clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from notifier_helpers import (
    SERVICE,
    Events,
    FakeClock,
    Harness,
    Make,
    a_match,
    a_profile,
    token,
)
from testkit.stack import eventually

from contracts import ProfileDeleted
from servicekit.auth import Role

pytestmark = pytest.mark.integration

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


async def seen(
    harness: Harness, events: Events, clock: FakeClock, seeker_id: str, **at: Any
) -> None:
    """The seeker's profile arrives while the clock shows `at` (their last activity)."""
    if at:
        clock.current = paris(*at["at"])
    await events.publish(a_profile(seeker_id, at.get("counsellor_id", "c-1")))
    store = harness.notifier.store
    assert await eventually(lambda: _exists(store.seekers, seeker_id), True)


async def _exists(collection: Any, key: str) -> bool:
    return await collection.get(key) is not None


async def alerts_in(harness: Harness, *ids: str) -> None:
    store = harness.notifier.store
    query = {"_id": {"$in": list(ids)}}
    assert await eventually(lambda: store.alerts.raw.count_documents(query), len(ids)) == len(ids)


async def digests(harness: Harness, counsellor_id: str = "c-1") -> list[dict[str, Any]]:
    response = await harness.client.get(
        f"/counsellors/{counsellor_id}/notifications", headers=SERVICE
    )
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["kind"] == "digest"]


async def test_the_digest_lists_the_most_urgent_first(
    harness: Harness, events: Events, clock: FakeClock
) -> None:
    await seen(harness, events, clock, "s-9", at=(2025, 12, 20, 9, 0))  # silent for 25 days
    await seen(harness, events, clock, "s-8", at=(2026, 1, 4, 9, 0))  # silent for 10 days: fine
    await seen(harness, events, clock, "s-7", at=(2025, 12, 1, 9, 0), counsellor_id="c-2")
    clock.current = paris(2026, 1, 13, 14, 0)
    await events.publish(a_match("s-1", "o-1", rome_code="K2204", score=0.9))  # 80 % hard: 0.72
    await events.publish(a_match("s-2", "o-2", rome_code="J1501", score=0.9))  # 65 %: 0.585
    await events.publish(a_match("s-3", "o-3", rome_code="M1607", score=1.0))  # 30 %: left out
    await events.publish(a_match("s-4", "o-4", counsellor_id="c-2"))  # someone else's seeker
    await alerts_in(harness, "s-1:o-1", "s-2:o-2", "s-3:o-3", "s-4:o-4")

    clock.current = paris(2026, 1, 14, 9, 0)
    await harness.notifier.sweep()

    [digest] = await digests(harness)
    assert [(line["kind"], line["seeker_id"]) for line in digest["lines"]] == [
        ("match", "s-1"),
        ("inactive", "s-9"),  # 25 days: 0.70
        ("match", "s-2"),
    ]
    assert digest["title"] == "Votre point du jour : 3 situations à regarder"
    assert digest["body"].splitlines()[1:] == [
        "- s-1 : offre « Agent d'entretien o-1 », dans un métier qui manque de candidats "
        "(80 % des recrutements y sont difficiles).",
        "- s-9 : aucune activité depuis 25 jours.",
        "- s-2 : offre « Agent d'entretien o-2 », dans un métier qui manque de candidats "
        "(65 % des recrutements y sont difficiles).",
    ]
    assert digest["seeker_id"] is None
    [other] = await digests(harness, "c-2")
    assert [line["seeker_id"] for line in other["lines"]] == ["s-7", "s-4"]  # 44 days: 1.0

    # Erasure: the seeker leaves the digest their counsellor already received.
    await events.publish(ProfileDeleted(seeker_id="s-9", deleted_at=datetime.now(UTC)))

    async def named() -> list[str]:
        return [line["seeker_id"] for line in (await digests(harness))[0]["lines"]]

    assert await eventually(named, ["s-1", "s-2"]) == ["s-1", "s-2"]
    assert (await digests(harness))[0]["title"].startswith("Votre point du jour : 2 ")


async def test_a_digest_due_at_the_weekend_goes_out_on_monday_morning(
    harness: Harness, events: Events, clock: FakeClock
) -> None:
    clock.current = paris(2026, 1, 17, 10, 0)  # Saturday
    await seen(harness, events, clock, "s-1")
    await events.publish(a_match("s-1", "o-1", score=0.9))
    await alerts_in(harness, "s-1:o-1")

    for moment in (paris(2026, 1, 17, 10, 5), paris(2026, 1, 18, 23, 0), paris(2026, 1, 19, 8, 59)):
        clock.current = moment
        await harness.notifier.sweep()
        assert await digests(harness) == []

    clock.current = paris(2026, 1, 19, 9, 0)
    await harness.notifier.sweep()
    [digest] = await digests(harness)
    assert [line["offer_id"] for line in digest["lines"]] == ["o-1"]
    assert digest["created_at"].startswith("2026-01-19T08:00:00")

    clock.current = paris(2026, 1, 19, 9, 0, 30)
    await harness.notifier.sweep()
    assert len(await digests(harness)) == 1
    counsellor = await harness.notifier.store.counsellor("c-1")
    assert counsellor is not None
    assert counsellor["next_digest_at"] == paris(2026, 1, 20, 9, 0)


async def test_a_missed_digest_waits_for_working_hours_and_covers_the_gap(
    harness: Harness, events: Events, clock: FakeClock
) -> None:
    clock.current = paris(2026, 1, 12, 10, 0)  # Monday: first digest due Tuesday 09:00
    await seen(harness, events, clock, "s-1")
    await events.publish(a_match("s-1", "o-1", score=0.9))
    await alerts_in(harness, "s-1:o-1")

    clock.current = paris(2026, 1, 13, 19, 0)  # the service was down all Tuesday
    await harness.notifier.sweep()
    assert await digests(harness) == []  # not in the evening
    clock.current = paris(2026, 1, 14, 9, 0)
    await harness.notifier.sweep()
    [digest] = await digests(harness)
    assert [line["offer_id"] for line in digest["lines"]] == ["o-1"]


async def test_two_replicas_and_repeated_sweeps_post_one_digest(
    make: Make, events: Events, clock: FakeClock
) -> None:
    async with make() as first, make() as second:
        await seen(first, events, clock, "s-1")
        await events.publish(a_match("s-1", "o-1", score=0.9))
        await alerts_in(first, "s-1:o-1")
        clock.current = paris(2026, 1, 14, 9, 0)

        posted = await asyncio.gather(
            first.notifier.send_counsellor_digests(clock.now()),
            second.notifier.send_counsellor_digests(clock.now()),
            first.notifier.send_counsellor_digests(clock.now()),
            second.notifier.sweep(),
        )

        assert sum(p for p in posted if p is not None) <= 1
        assert len(await digests(first)) == 1
        store = first.notifier.store
        assert await store.feed.raw.count_documents({"recipient": "counsellor:c-1"}) == 1
        await first.notifier.sweep()
        assert len(await digests(second)) == 1


async def test_counsellors_choose_their_working_hours(
    harness: Harness, events: Events, clock: FakeClock
) -> None:
    own = token("c-1", Role.COUNSELLOR)
    defaults = await harness.client.get("/counsellors/c-1/preferences", headers=own)
    assert defaults.json()["working_hours"] == {
        "days": [1, 2, 3, 4, 5],
        "start": "09:00:00",
        "end": "17:00:00",
        "time_zone": "Europe/Paris",
    }
    other = await harness.client.get(
        "/counsellors/c-1/preferences", headers=token("c-2", Role.COUNSELLOR)
    )
    assert other.status_code == 403
    bad = await harness.client.put(
        "/counsellors/c-1/preferences",
        json={"working_hours": {"days": [9]}},
        headers=own,
    )
    assert bad.status_code == 422
    assert "days" in bad.text

    clock.current = paris(2026, 1, 17, 8, 0)  # Saturday
    await seen(harness, events, clock, "s-1")
    saturday = {"working_hours": {"days": [6], "start": "10:00", "end": "14:00"}, "language": "en"}
    response = await harness.client.put("/counsellors/c-1/preferences", json=saturday, headers=own)
    assert response.status_code == 200, response.text
    await events.publish(a_match("s-1", "o-1", score=0.9))
    await alerts_in(harness, "s-1:o-1")

    clock.current = paris(2026, 1, 17, 10, 0)
    await harness.notifier.sweep()
    [digest] = await digests(harness)
    assert digest["title"] == "Your daily briefing: 1 situation to look at"
