"""A seeker's "not for me" reaches their counsellor, live and in the digest, against the real
Kafka and FerretDB: once each, in the counsellor's language, poison set aside, erasure obeyed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from notifier_helpers import (
    Events,
    FakeClock,
    Harness,
    a_match,
    a_profile,
    not_for_me,
    read_sse,
    token,
)
from testkit.served import serve
from testkit.stack import eventually, header, read_records

from contracts import DEAD_LETTER, FEEDBACK_RECORDED, ProfileDeleted, topic_name
from contracts.vocabulary import FeedbackReason
from servicekit.auth import Role
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

COUNSELLOR = token("c-1", Role.COUNSELLOR)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)  # type: ignore[misc]


async def feedback_items(harness: Harness, counsellor_id: str = "c-1") -> list[dict[str, Any]]:
    return [i for i in await harness.counsellor_inbox(counsellor_id) if i["kind"] == "feedback"]


async def test_not_for_me_reaches_the_counsellors_live_feed_once(
    harness: Harness, events: Events
) -> None:
    await events.publish(a_match())  # "Agent d'entretien o-1", to s-1 of counsellor c-1
    await harness.planned("s-1:o-1")
    async with serve(harness.app) as url, httpx.AsyncClient(timeout=30) as client:
        stream = f"{url}/counsellors/c-1/notifications/stream"
        reading = asyncio.create_task(
            read_sse(client, stream, COUNSELLOR, 2, timeout_s=30, linger_s=1.5)
        )
        await asyncio.sleep(0.5)  # the stream is open before anything is said
        said = await events.publish(not_for_me())
        await events.publish(said.payload, envelope=said)  # redelivered
        await events.publish(not_for_me(reason=FeedbackReason.OTHER))  # said again, otherwise
        await events.publish(not_for_me(offer_id="o-2", reason=FeedbackReason.SALARY))
        live = await reading

    assert [(e["data"]["kind"], e["data"]["offer_id"]) for e in live] == [
        ("feedback", "o-1"),
        ("feedback", "o-2"),
    ]
    first = live[0]["data"]
    assert first["title"] == "s-1 a écarté une offre : Agent d'entretien o-1"
    assert "Raison : « C'est trop loin »." in first["body"]
    assert first["feedback_reason"] == "too_far"
    assert first["seeker_id"] == "s-1"
    assert live[1]["data"]["title"] == "s-1 a écarté une offre : o-2"  # never alerted: its id
    assert len(await feedback_items(harness)) == 2
    assert [item["kind"] for item in await harness.inbox()] == ["match"]  # not the seeker's
    other = await harness.client.get(
        "/counsellors/c-1/notifications", headers=token("c-2", Role.COUNSELLOR)
    )
    assert other.status_code == 403


async def test_the_counsellor_of_the_seekers_record_hears_it_in_their_language(
    harness: Harness, events: Events, counsellor_prefers: Any
) -> None:
    await counsellor_prefers("c-2", language="en")
    await events.publish(a_profile("s-2", counsellor_id="c-2"))
    assert await eventually(lambda: _known(harness, "s-2"), True)
    await events.publish(not_for_me("s-2", "o-5", FeedbackReason.SALARY, counsellor_id=None))
    # No counsellor anywhere: nobody to tell.
    await harness.notifier.tell_counsellors_on_feedback_recorded(
        [not_for_me("s-3", "o-5", counsellor_id=None)]
    )

    assert await eventually(lambda: _count(harness, "c-2"), 1) == 1
    [item] = await feedback_items(harness, "c-2")
    assert item["title"] == "s-2 turned down an offer: o-5"
    assert "Reason: “The pay does not suit me”." in item["body"]
    assert await feedback_items(harness, "c-1") == []
    store = harness.notifier.store
    assert await store.inbox.raw.count_documents({"seeker_id": "s-3"}) == 0


async def test_the_next_digest_lists_each_not_for_me_with_its_reason(
    harness: Harness, events: Events, clock: FakeClock
) -> None:
    clock.current = paris(2026, 1, 13, 14, 0)
    # An occupation with plenty of candidates: the match itself is not urgent.
    await events.publish(a_match(rome_code="M1607"))
    await harness.planned("s-1:o-1")
    await events.publish(not_for_me())
    assert await eventually(lambda: _count(harness, "c-1"), 1) == 1

    clock.current = paris(2026, 1, 14, 9, 0)
    await harness.notifier.sweep()
    [digest] = await _digests(harness)
    assert [(line["kind"], line["seeker_id"], line["reason"]) for line in digest["lines"]] == [
        ("feedback", "s-1", "too_far")
    ]
    assert digest["body"].splitlines()[1:] == [
        "- s-1 a écarté l'offre « Agent d'entretien o-1 » : « C'est trop loin »."
    ]
    clock.current = paris(2026, 1, 15, 9, 0)
    await harness.notifier.sweep()
    assert len(await _digests(harness)) == 1  # told once: not in the next day's digest

    await events.publish(ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC)))
    assert await eventually(lambda: _count(harness, "c-1"), 0) == 0
    assert await eventually(lambda: _digests(harness), []) == []


async def test_poison_goes_to_the_dead_letters_and_an_erased_seeker_is_not_heard(
    harness: Harness, events: Events, kafka: KafkaSettings, erased: Any
) -> None:
    store = harness.notifier.store
    await erased("s-3")
    await harness.notifier.tell_counsellors_on_feedback_recorded([not_for_me("s-3", "o-1")])
    topic = topic_name(FEEDBACK_RECORDED, kafka.topic_suffix)
    await events.producer.send_and_wait(topic, b'{"not json', key=b"s-1")
    await events.publish(not_for_me("s-1", "o-1"))

    assert await eventually(lambda: _count(harness, "c-1"), 1) == 1
    [item] = await feedback_items(harness)
    assert item["seeker_id"] == "s-1"
    assert await store.inbox.raw.count_documents({"seeker_id": "s-3"}) == 0
    [record] = await read_records(kafka, DEAD_LETTER, 1)
    assert (header(record, "x-dead-letter-reason") or "").startswith("not valid JSON")
    assert header(record, "x-original-topic") == topic


async def _known(harness: Harness, seeker_id: str) -> bool:
    return await harness.notifier.store.seekers.get(seeker_id) is not None


async def _count(harness: Harness, counsellor_id: str) -> int:
    return len(await feedback_items(harness, counsellor_id))


async def _digests(harness: Harness) -> list[dict[str, Any]]:
    return [i for i in await harness.counsellor_inbox() if i["kind"] == "digest"]
