"""Kafka side of the harness: duplicate records, poison messages, dead letters, consumer lag."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from contracts import DEAD_LETTER, MATCH_FOUND, OFFER_PUBLISHED

log = logging.getLogger("chaos")
DUPLICATE_HEADER = "x-chaos-duplicate"
POISON_HEADER = "x-chaos-poison"
WATCHED_GROUPS = tuple(
    f"{service}.{topic}"
    for service, topics in (
        ("recommender", ("profile-updated", "profile-deleted", "offer-published", "offer-closed")),
        (
            "notifier",
            (
                "match-found",
                "match-withdrawn",
                "profile-updated",
                "profile-deleted",
                "feedback-recorded",
            ),
        ),
    )
    for topic in topics
)


def chosen(event_key: str, seed: int, share: float) -> bool:
    """Whether this record is one of the `share` published twice (stable for a seed)."""
    digest = hashlib.blake2b(f"{seed}:{event_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < share


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    for _ in range(20):
        found = consumer.partitions_for_topic(topic)
        if found:
            return [TopicPartition(topic, p) for p in sorted(found)]
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic!r} has no partitions")


async def stop(client: AIOKafkaConsumer | AIOKafkaProducer) -> None:
    # Stopped before its background task first ran, aiokafka's consumer raises CancelledError.
    await asyncio.sleep(0)
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await client.stop()


@dataclass
class Duplicator:
    """Publishes again, unchanged (same event_id, key and headers), a share of the run's records
    of offer-published and match-found, as a producer retrying after a lost ack would."""

    bootstrap: str
    prefix: str  # keys of the run's aggregates start with it
    seed: int
    share: float = 0.10
    topics: tuple[str, ...] = (OFFER_PUBLISHED, MATCH_FOUND)
    published: dict[str, int] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), 60)

    async def _run(self) -> None:
        while True:
            try:
                await self._copy()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # Kafka killed under us: start again where it is now
                log.warning("duplicator: %s; restarting", type(error).__name__)
                await asyncio.sleep(2)

    async def _copy(self) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True
        )
        await consumer.start()
        await producer.start()
        try:
            tps = [tp for topic in self.topics for tp in await partitions(consumer, topic)]
            consumer.assign(tps)
            if not self._ready.is_set():
                await consumer.seek_to_end(*tps)
                self._ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=500)
                for records in batches.values():
                    for record in records:
                        key = (record.key or b"").decode(errors="replace")
                        headers = dict(record.headers or ())
                        if (
                            not key.startswith(self.prefix)
                            or DUPLICATE_HEADER in headers
                            or POISON_HEADER in headers
                        ):
                            continue
                        event_id = headers.get("event_id", b"").decode() or f"{record.offset}"
                        if not chosen(event_id, self.seed, self.share):
                            continue
                        await producer.send_and_wait(
                            record.topic,
                            value=record.value,
                            key=record.key,
                            headers=[*(record.headers or ()), (DUPLICATE_HEADER, b"1")],
                        )
                        self.published[record.topic] = self.published.get(record.topic, 0) + 1
        finally:
            await stop(consumer)
            await stop(producer)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    @property
    def total(self) -> int:
        return sum(self.published.values())


@dataclass(frozen=True)
class Poison:
    kind: str  # invalid-json, wrong-schema-version, invalid-payload
    topic: str
    partition: int
    offset: int


def _envelope(event_type: str, key: str, schema_version: int, payload: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": datetime.now(UTC).isoformat(),
            "producer": "chaos",
            "schema_version": schema_version,
            "key": key,
            "payload": payload,
        }
    ).encode()


def poison_values(prefix: str, topic: str) -> dict[str, tuple[str, bytes]]:
    """kind -> (key, value) of the three poisons for a topic."""
    seeker = f"{prefix}poison"
    if topic == MATCH_FOUND:
        valid: dict[str, Any] = {
            "seeker_id": seeker,
            "offer_id": f"{prefix}poison-offer",
            "offer_version": 1,
            "profile_version": 1,
            "score": 0.9,
            "reasons": [],
            "offer_title": "Poison",
            "rome_code": "K2204",
            "distance_km": 1.0,
            "needs_review": False,
        }
        broken = {**valid, "score": 7.5, "distance_km": -3}
        key = seeker
    else:
        valid = {
            "offer_id": f"{prefix}poison-offer",
            "version": 1,
            "title": "Poison",
            "rome_code": "K2204",
            "place": {"commune_code": "75056", "latitude": 48.85, "longitude": 2.35},
            "contract_type": "CDI",
            "working_time": "full_time",
            "experience_required": "D",
            "published_at": datetime.now(UTC).isoformat(),
            "origin": "employer",
        }
        broken = {**valid, "place": {"commune_code": "75056", "latitude": 200, "longitude": 2.35}}
        key = valid["offer_id"]
    return {
        "invalid-json": (key, b'{"event_id": "not even json'),
        "wrong-schema-version": (key, _envelope(topic, key, 2, valid)),
        "invalid-payload": (key, _envelope(topic, key, 1, broken)),
    }


async def produce_poisons(bootstrap: str, prefix: str, topics: Iterable[str]) -> list[Poison]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        sent = []
        for topic in topics:
            for kind, (key, value) in poison_values(prefix, topic).items():
                meta = await producer.send_and_wait(
                    topic,
                    value=value,
                    key=key.encode(),
                    headers=[
                        ("content-type", b"application/json"),
                        (POISON_HEADER, kind.encode()),
                    ],
                )
                sent.append(Poison(kind, topic, meta.partition, meta.offset))
        return sent
    finally:
        await stop(producer)


@dataclass(frozen=True)
class DeadLetter:
    topic: str  # original topic
    partition: int
    offset: int
    reason: str
    kind: str
    failed_by: str
    replayed: bool
    dlt_partition: int
    dlt_offset: int


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = await partitions(consumer, topic)
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await stop(consumer)


async def dead_letters_since(bootstrap: str, since: dict[int, int]) -> list[DeadLetter]:
    """Every dead letter written after the `since` offsets (per dead-letter partition)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: list[DeadLetter] = []
    try:
        tps = await partitions(consumer, DEAD_LETTER)
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        todo = {}
        for tp in tps:
            start = since.get(tp.partition, 0)
            if ends[tp] > start:
                consumer.seek(tp, start)
                todo[tp] = ends[tp]
            else:
                consumer.pause(tp)
        while todo:
            batches = await consumer.getmany(timeout_ms=1000, max_records=1000)
            if not batches:
                break
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= todo.get(tp, 0):
                        continue
                    headers = {k: v.decode(errors="replace") for k, v in record.headers or ()}
                    with contextlib.suppress(KeyError, ValueError):
                        found.append(
                            DeadLetter(
                                topic=headers["x-original-topic"],
                                partition=int(headers["x-original-partition"]),
                                offset=int(headers["x-original-offset"]),
                                reason=headers.get("x-dead-letter-reason", ""),
                                kind=headers.get("x-dead-letter-kind", ""),
                                failed_by=headers.get("x-failed-by", ""),
                                replayed="x-replayed-from" in headers,
                                dlt_partition=record.partition,
                                dlt_offset=record.offset,
                            )
                        )
                if records and records[-1].offset + 1 >= todo.get(tp, 0):
                    todo.pop(tp, None)
                    consumer.pause(tp)
        return found
    finally:
        await stop(consumer)


async def committed(bootstrap: str, group: str, tp: TopicPartition) -> int:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group, partitions=[tp])
        meta = offsets.get(tp)
        return -1 if meta is None else int(meta.offset)
    finally:
        await admin.close()


async def watched_lag(bootstrap: str) -> int:
    """Messages the recommender's and the notifier's consumer groups have still to handle."""
    return (await group_progress(bootstrap, WATCHED_GROUPS))[1]


async def group_progress(bootstrap: str, groups: Iterable[str]) -> tuple[int, int]:
    """(offsets committed, messages still to handle) of these consumer groups, all topics."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await admin.start()
    await consumer.start()
    try:
        done = waiting = 0
        for group in groups:
            offsets = await admin.list_consumer_group_offsets(group)
            known = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            if not known:
                continue
            ends = await consumer.end_offsets(list(known))
            done += sum(known.values())
            waiting += sum(max(0, ends[tp] - offset) for tp, offset in known.items())
        return done, waiting
    finally:
        await stop(consumer)
        await admin.close()
