"""A polled batch handled in slices; a stop between slices commits what was done (no I/O)."""

import logging
from collections.abc import Sequence
from types import SimpleNamespace
from typing import cast

import pytest
from aiokafka import TopicPartition
from faststream.kafka.annotations import KafkaMessage

from recommender.slices import Decoded, Pace, StopIsNoError, StopRequested, in_slices


class Consumer:
    def __init__(self) -> None:
        self.committed: list[dict[TopicPartition, int]] = []

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.committed.append(offsets)


def polled(*where: tuple[int, int]) -> tuple[KafkaMessage, Consumer]:
    """A polled batch of records at these (partition, offset)."""
    consumer = Consumer()
    records = tuple(SimpleNamespace(topic="t", partition=p, offset=o) for p, o in where)
    return cast(KafkaMessage, SimpleNamespace(raw_message=records, consumer=consumer)), consumer


def decoded(message: KafkaMessage, positions: Sequence[int]) -> list[Decoded[int]]:
    return [Decoded(n, message.raw_message[n], n) for n in positions]


async def test_a_cheap_batch_grows_into_one_slice() -> None:
    message, consumer = polled(*[(0, n) for n in range(100)])
    slices: list[list[int]] = []

    async def handle(part: Sequence[Decoded[int]]) -> None:
        slices.append([d.event for d in part])

    pace = Pace(target_s=1.0, maximum=500)
    await in_slices(message, decoded(message, range(50)), handle, pace, lambda: False)
    await in_slices(message, decoded(message, range(50, 100)), handle, pace, lambda: False)

    assert [len(s) for s in slices] == [1, 49, 50]
    assert [n for s in slices for n in s] == list(range(100))
    assert consumer.committed == []  # committed by the subscriber, once the handler returns


async def test_a_stop_commits_the_slices_done_and_leaves_the_rest() -> None:
    # Partition 0 at offsets 10-12, partition 1 at 20-22; the record at position 1 was poison.
    message, consumer = polled((0, 10), (0, 11), (1, 20), (0, 12), (1, 21), (1, 22))
    handled: list[int] = []
    stopping = False

    async def handle(part: Sequence[Decoded[int]]) -> None:
        nonlocal stopping
        handled.extend(d.event for d in part)
        stopping = True  # SIGTERM while the first slice is in hand

    pace = Pace(target_s=1.0, maximum=500, size=3)
    with pytest.raises(StopRequested):
        await in_slices(message, decoded(message, [0, 2, 3, 4, 5]), handle, pace, lambda: stopping)

    assert handled == [0, 2, 3]
    tp0, tp1 = TopicPartition("t", 0), TopicPartition("t", 1)
    assert consumer.committed == [{tp0: 13, tp1: 21}]


def test_the_stop_is_logged_as_information() -> None:
    record = logging.LogRecord("recommender.kafka", logging.ERROR, "", 0, "stop", None, None)
    try:
        raise StopRequested("3 events left")
    except StopRequested as error:
        record.exc_info = (StopRequested, error, error.__traceback__)

    assert StopIsNoError().filter(record)
    assert (record.levelno, record.exc_info) == (logging.INFO, None)
