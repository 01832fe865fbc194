"""Kafka subscriptions of the offers service, all in one place; each named for its effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, ProfileDeleted, topic_name
from servicekit.broker import dead_letters_of, decode_batch, subscriber, undecoded

Forget = Callable[[list[str]], Awaitable[None]]


def subscribe(broker: KafkaBroker, forget: Forget, topic_suffix: str) -> None:
    dead_letters = dead_letters_of(broker)

    @subscriber(
        broker,
        topic_name(PROFILE_DELETED, topic_suffix),
        group_id=f"offers.{PROFILE_DELETED}",
        batch=True,
        max_records=100,
        decoder=undecoded,
    )
    async def forget_applications_on_profiles_deleted(message: KafkaMessage) -> None:
        found = await decode_batch(dead_letters, message.raw_message, ProfileDeleted)
        if found:
            await forget([envelope.payload.seeker_id for _, _, envelope in found])
