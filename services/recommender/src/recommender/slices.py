"""A polled batch handled in slices of about `slice_s` each, so that a stop never waits long.

A slice is handled as one batch (one read and one write per seeker); the pace of the last slice
sets the size of the next, so a cheap batch is one slice and a costly one (offers that suit
thousands of seekers) several. When the service stops between two slices, the records of the
slices done are committed and the rest is left for the partitions' next owner (or this replica,
once started again): `StopRequested` keeps the subscriber from committing them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka.annotations import KafkaMessage

T = TypeVar("T")


class StopRequested(Exception):
    """The service stops: the records not handled yet stay uncommitted."""


class StopIsNoError(logging.Filter):
    """The subscriber logs `StopRequested` as a failed handler: it is the expected end of a
    graceful stop, told at INFO without its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], StopRequested):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True


@dataclass(frozen=True)
class Decoded(Generic[T]):
    event: T
    record: Any  # the aiokafka ConsumerRecord
    position: int  # its place in the polled batch


@dataclass
class Pace:
    """How many events the next slice takes: as many as the last slice's pace fits in
    `target_s`, from 1 to `maximum`."""

    target_s: float
    maximum: int
    size: int = 1

    def took(self, events: int, seconds: float) -> None:
        per_s = events / max(seconds, 0.001)
        self.size = max(1, min(self.maximum, int(per_s * self.target_s)))


async def in_slices(
    message: KafkaMessage,
    decoded: Sequence[Decoded[T]],
    handle: Callable[[Sequence[Decoded[T]]], Awaitable[None]],
    pace: Pace,
    stopping: Callable[[], bool],
) -> None:
    done = 0
    while done < len(decoded):
        if stopping():
            if done:
                await commit_through(message, decoded[done - 1].position)
            raise StopRequested(f"{len(decoded) - done} events left for the next start")
        part = decoded[done : done + pace.size]
        started = time.monotonic()
        await handle(part)
        pace.took(len(part), time.monotonic() - started)
        done += len(part)


async def commit_through(message: KafkaMessage, position: int) -> None:
    """Commit the batch's records up to this position (the poison among them included)."""
    offsets: dict[TopicPartition, int] = {}
    for record in message.raw_message[: position + 1]:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    # The subscriber's own aiokafka consumer (FastStream types it as a protocol without offsets).
    consumer = cast(AIOKafkaConsumer, message.consumer)
    await consumer.commit(offsets)
