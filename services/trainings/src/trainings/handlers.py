"""Kafka subscriptions of the trainings service, all in one place; each named for its effect."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED
from servicekit.batch_subscriptions import batch_subscriber, forget_erased_seekers
from servicekit.broker import dead_letters_of
from trainings.recommendations import RecommendationStore


def subscribe(broker: KafkaBroker, recommendations: RecommendationStore, topic_suffix: str) -> None:
    dead_letters = dead_letters_of(broker)

    async def forget(seeker_ids: list[str]) -> None:
        await recommendations.forget_seekers(sorted(set(seeker_ids)))

    @batch_subscriber(broker, "trainings", PROFILE_DELETED, topic_suffix)
    async def forget_recommendations_on_profiles_deleted(message: KafkaMessage) -> None:
        await forget_erased_seekers(dead_letters, message.raw_message, forget)
