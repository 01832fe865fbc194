"""Poison messages leave the partition for the dead-letter topic; the next message flows."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from testkit.stack import header, read_records

from contracts import (
    DEAD_LETTER,
    PROFILE_DELETED,
    Envelope,
    ProfileDeleted,
    encode,
    new_envelope,
    topic_name,
)
from servicekit.broker import make_broker, subscriber
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


def deleted(seeker_id: str) -> Envelope[ProfileDeleted]:
    from datetime import UTC, datetime

    return new_envelope(
        ProfileDeleted(seeker_id=seeker_id, deleted_at=datetime.now(UTC)), producer="test"
    )


@dataclass
class Purges:
    """The seeker ids the handler was called with; it fails on `failing` and is done at `last`."""

    last: str
    failing: str | None = None
    seen: list[str] = field(default_factory=list)

    def __call__(self, seeker_id: str) -> bool:
        self.seen.append(seeker_id)
        if seeker_id == self.failing:
            raise ZeroDivisionError("a bug in the handler")
        return seeker_id == self.last


async def purge_until_done(
    kafka: KafkaSettings, purge: Callable[[str], bool], bodies: list[bytes], key: bytes
) -> str:
    """Publishes `bodies` with `key` to the run's profile-deleted topic, whose subscriber calls
    `purge` with each seeker id until it says it is done; returns the topic."""
    broker = make_broker(kafka, "test")
    topic = topic_name(PROFILE_DELETED, kafka.topic_suffix)
    done = asyncio.Event()

    @subscriber(broker, topic, group_id=f"test{kafka.topic_suffix}")
    async def handle(event: Envelope[ProfileDeleted]) -> None:
        if purge(event.payload.seeker_id):
            done.set()

    async with broker:
        await broker.start()
        for body in bodies:
            await broker.publish(body, topic, key=key)
        await asyncio.wait_for(done.wait(), 30)
    return topic


async def test_poison_is_dead_lettered_with_its_reason_and_the_partition_keeps_flowing(
    kafka: KafkaSettings,
) -> None:
    purge = Purges(last="last")
    wrong_version = encode(deleted("v2")).replace(b'"schema_version":1', b'"schema_version":2')
    invalid_payload = encode(deleted("x")).replace(b'"seeker_id":"x",', b"")
    bodies = [b"{not json", wrong_version, invalid_payload, encode(deleted("last"))]
    topic = await purge_until_done(kafka, purge, bodies, key=b"same-partition")

    assert purge.seen == ["last"]
    records = await read_records(kafka, DEAD_LETTER, 3)
    # Each letter has a key of its own, so they spread over the partitions: in the original order.
    records.sort(key=lambda r: int(header(r, "x-original-offset") or 0))
    assert {header(r, "x-original-key") for r in records} == {"same-partition"}
    reasons = [header(r, "x-dead-letter-reason") or "" for r in records]
    assert reasons[0].startswith("not valid JSON")
    assert "schema_version 2" in reasons[1]
    assert "seeker_id" in reasons[2]
    assert [r.value for r in records] == [b"{not json", wrong_version, invalid_payload]
    assert {header(r, "x-original-topic") for r in records} == {topic}
    assert all(header(r, "x-dead-letter-kind") == "poison" for r in records)


async def test_a_handler_that_keeps_failing_is_dead_lettered_after_its_retries(
    kafka: KafkaSettings,
) -> None:
    purge = Purges(last="fine", failing="bug")
    await purge_until_done(kafka, purge, [encode(deleted("bug")), encode(deleted("fine"))], b"k")

    assert purge.seen == ["bug"] * 5 + ["fine"]
    [record] = await read_records(kafka, DEAD_LETTER, 1)
    assert "failed 5 times: ZeroDivisionError" in (header(record, "x-dead-letter-reason") or "")
