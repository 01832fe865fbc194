"""Kafka subscriptions of the gateway: it forgets an erased seeker, whoever started the erasure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED
from servicekit.batch_subscriptions import BATCH_RECORDS, batch_subscriber, erased_seeker_ids
from servicekit.broker import dead_letters_of


class Forgets(Protocol):
    async def forget(self, seeker_id: str) -> int: ...


def subscribe(
    broker: KafkaBroker,
    stores: Sequence[Forgets],
    topic_suffix: str,
    batch_size: int = BATCH_RECORDS,
    complete: asyncio.Event | None = None,
) -> None:
    """`stores`: what holds seekers (the access log, the web sessions), read at each erasure;
    `complete`, when given, is set once every store has joined: erasures wait for it, so that
    none consumed at start-up is committed with a store left out."""
    dead_letters = dead_letters_of(broker)

    @batch_subscriber(broker, "gateway", PROFILE_DELETED, topic_suffix, batch_size)
    async def forget_access_log_on_profile_deleted(message: KafkaMessage) -> None:
        seeker_ids = await erased_seeker_ids(dead_letters, message.raw_message)
        if seeker_ids and complete is not None:
            await complete.wait()
        for seeker_id in seeker_ids:
            for store in stores:
                await store.forget(seeker_id)
