"""Helpers for integration tests: isolated topics and databases on the real Kafka and MongoDB."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from contracts import ALL_TOPICS, topic_name
from servicekit.settings import KafkaSettings, MongoSettings
from servicekit.topics import ensure_topics

T = TypeVar("T")


def kafka_address() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def mongo_url() -> str:
    return os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/")


def new_run_id() -> str:
    return uuid.uuid4().hex[:10]


@asynccontextmanager
async def isolated_topics(
    run_id: str, partitions: int = 3, bases: tuple[str, ...] = ALL_TOPICS
) -> AsyncIterator[KafkaSettings]:
    """Topics of this test only (a suffix on every name), deleted afterwards."""
    settings = KafkaSettings(
        bootstrap_servers=kafka_address(),
        topic_suffix=f".t{run_id}",
        topic_partitions=partitions,
    )
    try:
        await ensure_topics(settings, bases, wait_s=15)
    except TimeoutError as error:
        raise RuntimeError(
            f"integration tests need the real Kafka at {settings.bootstrap_servers}: "
            "run them through `make test`, which starts it"
        ) from error
    try:
        yield settings
    finally:
        admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
        await admin.start()
        try:
            await admin.delete_topics([topic_name(b, settings.topic_suffix) for b in bases])
        finally:
            await admin.close()


@dataclass
class FailedRecord:
    """What a consumer held when it gave up on a message: what a dead letter is made from."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def mongo_settings() -> MongoSettings:
    return MongoSettings(url=mongo_url(), timeout_s=5)


@asynccontextmanager
async def from_the_start(settings: KafkaSettings, base: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer of the run's `base` topic from its first record, in no group."""
    consumer = AIOKafkaConsumer(
        topic_name(base, settings.topic_suffix),
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def read_records(
    settings: KafkaSettings, base: str, count: int, timeout_s: float = 40.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read `count` records of a topic from the beginning (fails if they do not come in time)."""
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout_s
    async with from_the_start(settings, base) as consumer:
        while len(records) < count and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(batch)
    if len(records) < count:
        raise AssertionError(f"expected {count} records on {base}, got {len(records)}")
    return records


async def publish(kafka: KafkaSettings, base: str, count: int) -> None:
    """`count` empty records on partition 0 of the run's `base` topic."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        for number in range(count):
            await producer.send_and_wait(
                topic_name(base, kafka.topic_suffix), b"{}", key=b"k", partition=0
            )
            del number
    finally:
        await producer.stop()


async def commit(kafka: KafkaSettings, group: str, base: str, offset: int) -> None:
    """The group's committed offset on partition 0 of the run's `base` topic."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = TopicPartition(topic_name(base, kafka.topic_suffix), 0)
        consumer.assign([tp])
        await consumer.commit({tp: offset})
    finally:
        await consumer.stop()


async def eventually(
    probe: Callable[[], Awaitable[T]], expected: Any = 0, timeout_s: float = 30.0
) -> T:
    """Poll `probe` until it returns `expected` (or the time is up); return its last answer."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = await probe()
        if answer == expected or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.05)


def header(record: ConsumerRecord[Any, Any], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return bytes(value).decode()
    return None


_recorder: Any = None


def span_recorder() -> Any:
    """An in-memory exporter receiving every span this process ends from now on (tests clear it)."""
    global _recorder
    if _recorder is None:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        from servicekit.tracing import configure_tracing

        configure_tracing("tests")
        provider = trace.get_tracer_provider()
        assert isinstance(provider, TracerProvider)
        _recorder = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(_recorder))
    return _recorder
