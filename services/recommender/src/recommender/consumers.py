"""Every subscription of the recommender, in one place.

Replicas share profile-updated through one consumer group: each holds the seekers of the
partitions it owns. Every replica reads every offer and every erasure, in a group of its own.
"""

from __future__ import annotations

from typing import Any

from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import (
    OFFER_CLOSED,
    OFFER_PUBLISHED,
    PROFILE_DELETED,
    PROFILE_UPDATED,
    Envelope,
    OfferClosed,
    OfferPublished,
    ProfileDeleted,
    ProfileUpdated,
    decode,
    topic_name,
)
from recommender.service import Recommender
from servicekit.broker import POISON_ERRORS, dead_letters_of, poison_reason, subscriber


async def undecoded(message: Any) -> None:
    """Batch records are decoded one by one by the handler, so that one bad record is set aside."""


class SeekerOwnership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Keeps the engine's seekers equal to the owned partitions of profile-updated."""

    def __init__(self, recommender: Recommender, topic: str) -> None:
        self.recommender = recommender
        self.topic = topic

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        # The work in hand finishes first: its writes land before the next owner loads the
        # seekers. They stay in memory until the new assignment is known (most partitions stay
        # here), but nothing is matched with them meanwhile.
        await self.recommender.stop_serving()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await self.recommender.own_partitions(
            {tp.partition for tp in assigned if tp.topic == self.topic}
        )


def broadcast_group(group_id: str, replica_id: str, topic: str) -> str:
    """A consumer group of this replica only: it reads every record of the topic."""
    return f"{group_id}.{replica_id}.{topic}" if replica_id else f"{group_id}.{topic}"


def subscribe(
    broker: KafkaBroker,
    recommender: Recommender,
    group_id: str,
    suffix: str,
    batch_size: int = 500,
    replica_id: str = "",
) -> None:
    # One consumer group per topic: a group spanning several subscribers rebalances each time one
    # of them joins, which slows every start down by seconds.
    dead_letters = dead_letters_of(broker)
    profiles_topic = topic_name(PROFILE_UPDATED, suffix)

    @subscriber(
        broker,
        profiles_topic,
        group_id=f"{group_id}.{PROFILE_UPDATED}",
        batch=True,
        max_records=batch_size,
        decoder=undecoded,
        listener=SeekerOwnership(recommender, profiles_topic),
    )
    async def recompute_matches_on_profiles_updated(message: KafkaMessage) -> None:
        events, partitions = [], []
        for record in message.raw_message:
            try:
                events.append(decode(record.value, ProfileUpdated))
                partitions.append(record.partition)
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
        if events:
            await recommender.recompute_matches_on_profiles_updated(events, partitions)

    @subscriber(
        broker,
        topic_name(PROFILE_DELETED, suffix),
        group_id=broadcast_group(group_id, replica_id, PROFILE_DELETED),
    )
    async def forget_seeker_on_profile_deleted(event: Envelope[ProfileDeleted]) -> None:
        await recommender.forget_seeker_on_profile_deleted(event)

    @subscriber(
        broker,
        topic_name(OFFER_PUBLISHED, suffix),
        group_id=broadcast_group(group_id, replica_id, OFFER_PUBLISHED),
    )
    async def match_seekers_on_offer_published(event: Envelope[OfferPublished]) -> None:
        await recommender.match_seekers_on_offer_published(event)

    @subscriber(
        broker,
        topic_name(OFFER_CLOSED, suffix),
        group_id=broadcast_group(group_id, replica_id, OFFER_CLOSED),
    )
    async def withdraw_matches_on_offer_closed(event: Envelope[OfferClosed]) -> None:
        await recommender.withdraw_matches_on_offer_closed(event)
