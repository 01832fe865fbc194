"""Kafka subscriptions of the offers service, all in one place; each named for its effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED
from servicekit.batch_subscriptions import batch_subscriber, forget_erased_seekers
from servicekit.broker import dead_letters_of

Forget = Callable[[list[str]], Awaitable[None]]


def subscribe(broker: KafkaBroker, forget: Forget, topic_suffix: str) -> None:
    dead_letters = dead_letters_of(broker)

    @batch_subscriber(broker, "offers", PROFILE_DELETED, topic_suffix)
    async def forget_applications_on_profiles_deleted(message: KafkaMessage) -> None:
        await forget_erased_seekers(dead_letters, message.raw_message, forget)
