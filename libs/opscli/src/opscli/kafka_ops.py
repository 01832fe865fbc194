"""What the operator reads and repairs on Kafka: lag, dead letters, replays, offset resets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import (
    DescribeGroupsRequest_v0,
    DescribeGroupsRequest_v1,
    DescribeGroupsRequest_v2,
)
from aiokafka.protocol.api import Request

from contracts import ALL_TOPICS, DEAD_LETTER, topic_name
from servicekit.settings import KafkaSettings

REPLAY_GROUP = "tremplin-replay"
# Headers DeadLetters.send adds to the original ones; a replay strips them.
DEAD_LETTER_PREFIXES = ("x-dead-letter-", "x-original-", "x-failed-")
REPLAYED_FROM = "x-replayed-from"
TIMEOUT_MS = 5000


class KafkaOpsError(RuntimeError):
    """Something the operator must fix first; the message says what."""


@dataclass(frozen=True)
class GroupLag:
    group: str
    topics: tuple[str, ...]
    lag: int
    state: str
    members: int


class LetterHeader:
    """A dead letter's header, read as an attribute (None when the letter lacks it)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, letter: DeadLetter, owner: type[DeadLetter]) -> str | None:
        return letter.headers.get(self.name)


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    timestamp_ms: int
    key: str | None
    size: int
    headers: dict[str, str]

    original_topic = LetterHeader("x-original-topic")
    original_partition = LetterHeader("x-original-partition")
    original_offset = LetterHeader("x-original-offset")
    kind = LetterHeader("x-dead-letter-kind")
    reason = LetterHeader("x-dead-letter-reason")
    failed_by = LetterHeader("x-failed-by")
    failed_at = LetterHeader("x-failed-at")


@dataclass
class ReplayReport:
    replayed: int = 0
    already_replayed: int = 0
    other_topics: int = 0
    unreplayable: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GroupReset:
    group: str
    topic: str
    committed: dict[int, int | None]
    earliest: dict[int, int]
    latest: dict[int, int]

    @property
    def events_to_replay(self) -> int:
        return sum(self.latest[p] - self.earliest[p] for p in self.earliest)


def _text(value: bytes | None) -> str:
    return value.decode(errors="replace") if value is not None else ""


def headers_of(record: ConsumerRecord[Any, Any]) -> dict[str, str]:
    return {key: _text(value) for key, value in record.headers or ()}


def base_of(topic: str, suffix: str) -> str:
    return topic[: -len(suffix)] if suffix and topic.endswith(suffix) else topic


def replay_group(base: str | None) -> str:
    """The group whose offsets mark how far dead letters (of one topic) were replayed."""
    return REPLAY_GROUP if base is None else f"{REPLAY_GROUP}.{base}"


def not_answering(settings: KafkaSettings, error: Exception) -> KafkaOpsError:
    return KafkaOpsError(f"Kafka does not answer at {settings.bootstrap_servers}: {error}")


async def start_or_refuse(
    settings: KafkaSettings,
    start: Callable[[], Awaitable[object]],
    stop: Callable[[], Awaitable[object]],
) -> None:
    """Start a client; one that cannot reach Kafka is stopped, and the operator told."""
    try:
        await start()
    except Exception as error:
        await stop()
        raise not_answering(settings, error) from None


@asynccontextmanager
async def admin_client(settings: KafkaSettings) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers,
        request_timeout_ms=TIMEOUT_MS,
        **settings.client_options(),
    )
    await start_or_refuse(settings, admin.start, admin.close)
    try:
        yield admin
    finally:
        await admin.close()


@asynccontextmanager
async def consumer_client(
    settings: KafkaSettings, group_id: str | None = None
) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=TIMEOUT_MS,
        **settings.client_options(),
    )
    await start_or_refuse(settings, consumer.start, consumer.stop)
    try:
        yield consumer
    finally:
        # Stopped before its background task first ran, aiokafka's consumer raises
        # CancelledError from stop(): let that task start first.
        await asyncio.sleep(0)
        await consumer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        await consumer._client.force_metadata_update()
        partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise KafkaOpsError(f"topic {topic!r} does not exist on the broker")
    return [TopicPartition(topic, p) for p in sorted(partitions)]


async def commit(settings: KafkaSettings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit `offsets` for `group` without joining it (the group must have no live member)."""
    if not offsets:
        return
    async with consumer_client(settings, group) as committer:
        committer.assign(list(offsets))
        await committer.commit(offsets)


async def committed_offsets(
    admin: AIOKafkaAdminClient, group: str, partitions: list[TopicPartition]
) -> dict[TopicPartition, int | None]:
    answer = await admin.list_consumer_group_offsets(group, partitions=partitions)
    return {
        tp: (answer[tp].offset if tp in answer and answer[tp].offset >= 0 else None)
        for tp in partitions
    }


class DescribeGroups(
    Request[DescribeGroupsRequest_v0 | DescribeGroupsRequest_v1 | DescribeGroupsRequest_v2]  # type: ignore[misc]
):
    """DescribeGroups up to v2: aiokafka 0.14 decodes a v3 answer with the v2 schema and fails."""

    API_KEY = 15

    def __init__(self, groups: list[str]) -> None:
        self._groups = groups

    def build(self, request_struct_class: type[Any]) -> Any:
        return request_struct_class(self._groups)


async def describe_groups(
    admin: AIOKafkaAdminClient, groups: list[str]
) -> dict[str, tuple[str, int]]:
    """Group → (state, live members)."""
    by_coordinator: dict[int, list[str]] = {}
    for group in groups:
        by_coordinator.setdefault(await admin.find_coordinator(group), []).append(group)
    described: dict[str, tuple[str, int]] = {}
    for node, members_of in by_coordinator.items():
        response = await admin._send_request(DescribeGroups(members_of), node)
        for group in response.groups:
            # (error_code, group_id, state, protocol_type, protocol, members)
            described[group[1]] = (group[2] or "Empty", len(group[5]))
    return described


async def refuse_while_consumed(
    admin: AIOKafkaAdminClient, groups: list[str], consumers: str
) -> None:
    """Raise while one of `groups` has live members: moving its offsets would race them."""
    states = await describe_groups(admin, groups)
    busy = {g: members for g, (_, members) in states.items() if members}
    if busy:
        raise KafkaOpsError(
            "consumers are running in "
            + ", ".join(f"{g} ({n} members)" for g, n in sorted(busy.items()))
            + f": stop {consumers} first, then run this again"
        )


def tremplin_topics(suffix: str) -> set[str]:
    return {topic_name(base, suffix) for base in ALL_TOPICS}


async def consumer_lag(settings: KafkaSettings) -> list[GroupLag]:
    """Lag of every consumer group on Tremplin's topics (with this suffix), by group."""
    ours = tremplin_topics(settings.topic_suffix)
    async with admin_client(settings) as admin, consumer_client(settings) as consumer:
        found: list[tuple[str, dict[TopicPartition, int]]] = []
        for group, *_ in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            partitions = {
                tp: meta.offset
                for tp, meta in committed.items()
                if tp.topic in ours and meta.offset >= 0
            }
            if partitions:
                found.append((group, partitions))
        states = await describe_groups(admin, [group for group, _ in found])
        lags = []
        for group, partitions in sorted(found):
            ends = await consumer.end_offsets(list(partitions))
            state, members = states.get(group, ("unknown", 0))
            lags.append(
                GroupLag(
                    group=group,
                    topics=tuple(sorted({tp.topic for tp in partitions})),
                    lag=sum(max(0, ends[tp] - offset) for tp, offset in partitions.items()),
                    state=state,
                    members=members,
                )
            )
        return lags


async def dead_letter_depth(settings: KafkaSettings) -> int:
    """Dead letters still retained on the dead-letter topic."""
    async with consumer_client(settings) as consumer:
        tps = await partitions_of(consumer, topic_name(DEAD_LETTER, settings.topic_suffix))
        ends = await consumer.end_offsets(tps)
        starts = await consumer.beginning_offsets(tps)
        return sum(ends[tp] - starts[tp] for tp in tps)


def dead_letter_of(record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = headers_of(record)
    key = original_key(record, headers)
    return DeadLetter(
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=_text(key) if key is not None else None,
        size=len(record.value or b""),
        headers=headers,
    )


async def _read_ranges(
    consumer: AIOKafkaConsumer, ranges: dict[TopicPartition, tuple[int, int]], max_records: int
) -> AsyncIterator[list[ConsumerRecord[bytes, bytes]]]:
    """Batches of the records in [start, end) of each partition, in offset order per partition."""
    pending = {tp: (start, end) for tp, (start, end) in ranges.items() if start < end}
    if not pending:
        return
    consumer.assign(list(pending))
    for tp, (start, _) in pending.items():
        consumer.seek(tp, start)
    while pending:
        batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=max_records)
        batch: list[ConsumerRecord[bytes, bytes]] = []
        for tp, records in batches.items():
            if tp not in pending:
                continue
            end = pending[tp][1]
            batch.extend(r for r in records if r.offset < end)
            if records and records[-1].offset + 1 >= end:
                del pending[tp]
        for tp in list(pending):
            # Compacted or deleted records leave gaps: the position tells where we really are.
            if await consumer.position(tp) >= pending[tp][1]:
                del pending[tp]
        if batch:
            yield batch


async def list_dead_letters(settings: KafkaSettings, limit: int) -> list[DeadLetter]:
    """The newest `limit` dead letters, oldest first."""
    async with consumer_client(settings) as consumer:
        tps = await partitions_of(consumer, topic_name(DEAD_LETTER, settings.topic_suffix))
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        ranges = {tp: (max(starts[tp], ends[tp] - limit), ends[tp]) for tp in tps}
        letters: list[DeadLetter] = []
        async for batch in _read_ranges(consumer, ranges, max_records=500):
            letters.extend(dead_letter_of(r) for r in batch if r.value is not None)
    letters.sort(key=lambda d: (d.timestamp_ms, d.partition, d.offset))
    return letters[-limit:] if limit > 0 else []


def original_key(record: ConsumerRecord[bytes, bytes], headers: dict[str, str]) -> bytes | None:
    """The key the record had on its topic (letters written before `x-original-key` kept theirs)."""
    if "x-original-key" not in headers:
        return bytes(record.key) if record.key is not None else None
    return headers["x-original-key"].encode() or None


def replay_headers(record: ConsumerRecord[bytes, bytes]) -> list[tuple[str, bytes]]:
    kept = [
        (key, bytes(value))
        for key, value in record.headers or ()
        if not key.startswith(DEAD_LETTER_PREFIXES) and key != REPLAYED_FROM
    ]
    kept.append((REPLAYED_FROM, f"{record.topic}:{record.partition}:{record.offset}".encode()))
    return kept


@dataclass(frozen=True)
class ReplayPlan:
    dead_letter_topic: str
    ranges: dict[TopicPartition, tuple[int, int]]
    done_all: dict[TopicPartition, int]
    done_by_topic: dict[str, dict[TopicPartition, int]]

    @property
    def total(self) -> int:
        return sum(end - start for start, end in self.ranges.values() if end > start)


async def plan_replay(
    settings: KafkaSettings, only_topic: str | None, since_offset: int
) -> ReplayPlan:
    """Which dead-letter offsets a replay will go through.

    A dead letter counts as replayed once the offsets committed by `tremplin-replay` (every topic)
    or by `tremplin-replay.<topic>` (replays restricted to its original topic) pass it.
    """
    dead = topic_name(DEAD_LETTER, settings.topic_suffix)
    async with admin_client(settings) as admin, consumer_client(settings) as consumer:
        tps = await partitions_of(consumer, dead)
        starts = await consumer.beginning_offsets(tps)
        ends = await consumer.end_offsets(tps)
        done_all = {
            tp: offset or 0
            for tp, offset in (await committed_offsets(admin, REPLAY_GROUP, tps)).items()
        }
        done_by_topic: dict[str, dict[TopicPartition, int]] = {}
        for base in ALL_TOPICS if only_topic is None else (only_topic,):
            committed = await committed_offsets(admin, replay_group(base), tps)
            done_by_topic[base] = {tp: offset or 0 for tp, offset in committed.items()}
    scope = done_all if only_topic is None else done_by_topic[only_topic]
    ranges = {tp: (max(starts[tp], scope[tp], since_offset), ends[tp]) for tp in tps}
    return ReplayPlan(dead, ranges, done_all, done_by_topic)


async def replay_dead_letters(
    settings: KafkaSettings,
    only_topic: str | None = None,
    since_offset: int = 0,
    batch_size: int = 500,
    on_plan: Callable[[int], None] = lambda total: None,
    on_batch: Callable[[int], None] = lambda done: None,
) -> ReplayReport:
    """Republish dead letters to their original topic, once each.

    Value, key and original headers go back unchanged (minus the dead-letter headers, plus
    `x-replayed-from`). After each batch is acknowledged by the broker, the replay group commits
    the next offset, so a second run replays nothing; a crash between the two replays that batch
    again, which consumers absorb since they deduplicate on `event_id`.
    """
    plan = await plan_replay(settings, only_topic, since_offset)
    on_plan(plan.total)
    report = ReplayReport()
    group = replay_group(only_topic)
    suffix = settings.topic_suffix
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        **settings.client_options(),
    )
    await producer.start()
    try:
        async with consumer_client(settings) as reader:
            async for batch in _read_ranges(reader, plan.ranges, max_records=batch_size):
                sent = []
                reached: dict[TopicPartition, int] = {}
                for record in batch:
                    tp = TopicPartition(record.topic, record.partition)
                    reached[tp] = max(reached.get(tp, 0), record.offset + 1)
                    if record.value is None:  # a tombstone: an erased seeker's letter
                        continue
                    headers = headers_of(record)
                    original = headers.get("x-original-topic")
                    if not original:
                        report.unreplayable += 1
                        continue
                    base = base_of(original, suffix)
                    if only_topic is not None and base != only_topic:
                        report.other_topics += 1
                        continue
                    done = max(
                        plan.done_all.get(tp, 0), plan.done_by_topic.get(base, {}).get(tp, 0)
                    )
                    if record.offset < done:
                        report.already_replayed += 1
                        continue
                    sent.append(
                        await producer.send(
                            original,
                            value=record.value,
                            key=original_key(record, headers),
                            headers=replay_headers(record),
                        )
                    )
                    report.by_topic[base] = report.by_topic.get(base, 0) + 1
                for delivery in sent:
                    await delivery
                report.replayed += len(sent)
                await commit(settings, group, reached)
                on_batch(len(batch))
    finally:
        await producer.stop()
    return report


async def plan_reset(settings: KafkaSettings, groups: dict[str, str]) -> list[GroupReset]:
    """Where `groups` (group → base topic) stand, and where a reset to the earliest takes them."""
    async with admin_client(settings) as admin, consumer_client(settings) as consumer:
        await refuse_while_consumed(admin, list(groups), "the service")
        resets = []
        for group, base in groups.items():
            tps = await partitions_of(consumer, topic_name(base, settings.topic_suffix))
            committed = await committed_offsets(admin, group, tps)
            earliest = await consumer.beginning_offsets(tps)
            latest = await consumer.end_offsets(tps)
            resets.append(
                GroupReset(
                    group=group,
                    topic=tps[0].topic,
                    committed={tp.partition: committed[tp] for tp in tps},
                    earliest={tp.partition: earliest[tp] for tp in tps},
                    latest={tp.partition: latest[tp] for tp in tps},
                )
            )
        return resets


async def reset_to_earliest(settings: KafkaSettings, resets: Iterable[GroupReset]) -> None:
    for reset in resets:
        offsets = {TopicPartition(reset.topic, p): o for p, o in reset.earliest.items()}
        await commit(settings, reset.group, offsets)
