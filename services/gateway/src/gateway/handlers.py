"""Kafka subscriptions of the gateway: it forgets an erased seeker, whoever started the erasure."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, ProfileDeleted, topic_name
from servicekit.broker import dead_letters_of, decode_batch, subscriber, undecoded


class Forgets(Protocol):
    async def forget(self, seeker_id: str) -> int: ...


def subscribe(
    broker: KafkaBroker,
    stores: Sequence[Forgets],
    topic_suffix: str,
    batch_size: int = 100,
    complete: asyncio.Event | None = None,
) -> None:
    """`stores`: what holds seekers (the access log, the web sessions), read at each erasure;
    `complete`, when given, is set once every store has joined: erasures wait for it, so that
    none consumed at start-up is committed with a store left out."""
    dead_letters = dead_letters_of(broker)

    @subscriber(
        broker,
        topic_name(PROFILE_DELETED, topic_suffix),
        group_id=f"gateway.{PROFILE_DELETED}",
        batch=True,
        max_records=batch_size,
        decoder=undecoded,
    )
    async def forget_access_log_on_profile_deleted(message: KafkaMessage) -> None:
        found = await decode_batch(dead_letters, message.raw_message, ProfileDeleted)
        if found and complete is not None:
            await complete.wait()
        for _, _, envelope in found:
            for store in stores:
                await store.forget(envelope.payload.seeker_id)
