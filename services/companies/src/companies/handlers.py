"""Kafka subscriptions of the companies service, all in one place; each named for its effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, PROFILE_UPDATED, ProfileDeleted, ProfileUpdated, topic_name
from servicekit.broker import dead_letters_of, decode_batch, subscriber, undecoded

Forget = Callable[[list[str]], Awaitable[None]]
Remember = Callable[[Sequence[ProfileUpdated]], Awaitable[object]]


def subscribe(
    broker: KafkaBroker, forget: Forget, topic_suffix: str, remember: Remember | None = None
) -> None:
    dead_letters = dead_letters_of(broker)

    def batched(base: str) -> Callable[[Callable[..., Awaitable[None]]], object]:
        return subscriber(
            broker,
            topic_name(base, topic_suffix),
            group_id=f"companies.{base}",
            batch=True,
            max_records=100,
            decoder=undecoded,
        )

    @batched(PROFILE_DELETED)
    async def forget_seekers_on_profiles_deleted(message: KafkaMessage) -> None:
        found = await decode_batch(dead_letters, message.raw_message, ProfileDeleted)
        if found:
            await forget([envelope.payload.seeker_id for _, _, envelope in found])

    @batched(PROFILE_UPDATED)
    async def remember_needs_on_profiles_updated(message: KafkaMessage) -> None:
        found = await decode_batch(dead_letters, message.raw_message, ProfileUpdated)
        if found and remember is not None:
            await remember([envelope.payload for _, _, envelope in found])
