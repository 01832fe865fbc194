"""Kafka subscriptions of the trainings service, all in one place; each named for its effect."""

from __future__ import annotations

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import PROFILE_DELETED, ProfileDeleted, decode, topic_name
from servicekit.broker import POISON_ERRORS, dead_letters_of, poison_reason, subscriber, undecoded
from trainings.recommendations import RecommendationStore


def subscribe(broker: KafkaBroker, recommendations: RecommendationStore, topic_suffix: str) -> None:
    dead_letters = dead_letters_of(broker)

    @subscriber(
        broker,
        topic_name(PROFILE_DELETED, topic_suffix),
        group_id=f"trainings.{PROFILE_DELETED}",
        batch=True,
        max_records=100,
        decoder=undecoded,
    )
    async def forget_recommendations_on_profiles_deleted(message: KafkaMessage) -> None:
        seekers = []
        for record in message.raw_message:
            try:
                seekers.append(decode(record.value, ProfileDeleted).payload.seeker_id)
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
        if seekers:
            await recommendations.forget_seekers(sorted(set(seekers)))
