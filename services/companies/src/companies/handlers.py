"""Kafka subscriptions of the companies service, all in one place; each named for its effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, PROFILE_UPDATED, ProfileUpdated
from servicekit.batch_subscriptions import batch_subscriber, forget_erased_seekers
from servicekit.broker import dead_letters_of, decode_batch

Forget = Callable[[list[str]], Awaitable[None]]
Remember = Callable[[Sequence[ProfileUpdated]], Awaitable[object]]


def subscribe(
    broker: KafkaBroker, forget: Forget, topic_suffix: str, remember: Remember | None = None
) -> None:
    dead_letters = dead_letters_of(broker)

    @batch_subscriber(broker, "companies", PROFILE_DELETED, topic_suffix)
    async def forget_seekers_on_profiles_deleted(message: KafkaMessage) -> None:
        await forget_erased_seekers(dead_letters, message.raw_message, forget)

    @batch_subscriber(broker, "companies", PROFILE_UPDATED, topic_suffix)
    async def remember_needs_on_profiles_updated(message: KafkaMessage) -> None:
        found = await decode_batch(dead_letters, message.raw_message, ProfileUpdated)
        if found and remember is not None:
            await remember([envelope.payload for _, _, envelope in found])
