"""Live updates: wake the streams of this replica at once, and every other replica through Kafka.

Each replica reads the whole `inbox-updated` topic from its end, with no consumer group (a
broadcast), and wakes the streams it holds for that recipient. Streams then read the inbox by
sequence number, so a wake-up seen twice, or lost, never duplicates nor loses a notification (a
periodic re-read covers a lost one).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from contracts import INBOX_UPDATED, InboxUpdated, decode, encode, new_envelope, topic_name
from servicekit.settings import KafkaSettings
from servicekit.worker_loop import survive

log = logging.getLogger(__name__)


class LiveHub:
    """Per-recipient wake-ups for the streams open on this replica."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Event]] = {}

    @asynccontextmanager
    async def listen(self, recipient: str) -> AsyncIterator[asyncio.Event]:
        event = asyncio.Event()
        self._listeners.setdefault(recipient, set()).add(event)
        try:
            yield event
        finally:
            listeners = self._listeners.get(recipient)
            if listeners is not None:
                listeners.discard(event)
                if not listeners:
                    del self._listeners[recipient]

    def wake(self, recipient: str) -> None:
        for event in self._listeners.get(recipient, ()):
            event.set()

    def listening(self, recipient: str) -> bool:
        return recipient in self._listeners


class LiveFeed:
    """Publishes inbox changes to every replica and applies theirs to the local hub."""

    def __init__(self, hub: LiveHub, broker: KafkaBroker, kafka: KafkaSettings) -> None:
        self.hub = hub
        self.broker = broker
        self.kafka = kafka
        self.topic = topic_name(INBOX_UPDATED, kafka.topic_suffix)
        self.ready = asyncio.Event()
        self.received = 0

    async def announce(self, recipient: str, notification_id: str, seq: int) -> None:
        self.hub.wake(recipient)
        envelope = new_envelope(
            InboxUpdated(recipient=recipient, notification_id=notification_id, seq=seq),
            producer="notifier",
        )
        try:
            await self.broker.publish(
                encode(envelope), self.topic, key=recipient.encode(), no_confirm=True
            )
        except Exception:
            # Other replicas re-read their inboxes periodically: a lost wake-up only delays.
            log.warning("could not announce an inbox update", exc_info=True)

    async def run(self) -> None:
        while True:
            await survive(self._follow, "live feed", log)

    async def _follow(self) -> None:
        # No group: every replica gets every partition, from the end (older wake-ups are moot).
        consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.kafka.bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        await consumer.start()
        try:
            while not consumer.assignment():
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    for record in records:
                        self._apply(record.value)
            for partition in consumer.assignment():
                await consumer.position(partition)
            self.ready.set()
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=500)
                for records in batches.values():
                    for record in records:
                        self._apply(record.value)
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()

    def _apply(self, value: Any) -> None:
        try:
            update = decode(value, InboxUpdated).payload
        except Exception:
            log.warning("unreadable inbox update ignored")
            return
        self.received += 1
        self.hub.wake(update.recipient)
