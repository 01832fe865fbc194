"""Every subscription of the recommender, in one place; each takes what one poll returns.

Replicas share profile-updated through one consumer group: each holds the seekers of the
partitions it owns. Every replica reads every offer and every erasure, in a group of its own.
A batch's records are decoded one by one (a poison record goes to the dead letters, the others
are handled), the batch is handled as a whole, then committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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
from recommender import erasure, matching, offers, ownership
from recommender.config import Batches
from recommender.service import Recommender
from servicekit.broker import POISON_ERRORS, dead_letters_of, poison_reason, subscriber

P = TypeVar("P", ProfileUpdated, ProfileDeleted, OfferPublished, OfferClosed)


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
        await ownership.stop_serving(self.recommender)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        await ownership.own_partitions(
            self.recommender, {tp.partition for tp in assigned if tp.topic == self.topic}
        )


def broadcast_group(group_id: str, replica_id: str, topic: str) -> str:
    """A consumer group of this replica only: it reads every record of the topic."""
    return f"{group_id}.{replica_id}.{topic}" if replica_id else f"{group_id}.{topic}"


def subscribe(
    broker: KafkaBroker,
    recommender: Recommender,
    sweep: erasure.ErasureSweep,
    group_id: str,
    suffix: str,
    batches: Batches,
    replica_id: str = "",
) -> None:
    # One consumer group per topic: a group spanning several subscribers rebalances each time one
    # of them joins, which slows every start down by seconds.
    dead_letters = dead_letters_of(broker)
    profiles_topic = topic_name(PROFILE_UPDATED, suffix)

    def batched(
        base: str, max_records: int, group: str, **options: Any
    ) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
        return subscriber(
            broker,
            topic_name(base, suffix),
            group_id=group,
            batch=True,
            max_records=max_records,
            batch_timeout_ms=batches.wait_ms,
            decoder=undecoded,
            **options,
        )

    def broadcast(base: str, max_records: int) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
        return batched(base, max_records, broadcast_group(group_id, replica_id, base))

    async def decoded(
        message: KafkaMessage, payload_type: type[P]
    ) -> tuple[list[Envelope[P]], list[int]]:
        """A batch's records decoded, with their partitions; poison goes to the dead letters."""
        events, partitions = [], []
        for record in message.raw_message:
            try:
                events.append(decode(record.value, payload_type))
                partitions.append(record.partition)
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
        return events, partitions

    @batched(
        PROFILE_UPDATED,
        batches.profiles,
        f"{group_id}.{PROFILE_UPDATED}",
        listener=SeekerOwnership(recommender, profiles_topic),
    )
    async def recompute_matches_on_profiles_updated(message: KafkaMessage) -> None:
        events, partitions = await decoded(message, ProfileUpdated)
        if events:
            await matching.recompute_matches_on_profiles_updated(recommender, events, partitions)

    @broadcast(PROFILE_DELETED, batches.profiles)
    async def forget_seekers_on_profiles_deleted(message: KafkaMessage) -> None:
        events, _ = await decoded(message, ProfileDeleted)
        if events:
            await erasure.forget_seekers_on_profiles_deleted(recommender, events, sweep)

    @broadcast(OFFER_PUBLISHED, batches.offers)
    async def match_seekers_on_offers_published(message: KafkaMessage) -> None:
        events, _ = await decoded(message, OfferPublished)
        if events:
            await offers.match_seekers_on_offers_published(recommender, events)

    @broadcast(OFFER_CLOSED, batches.offers)
    async def withdraw_matches_on_offers_closed(message: KafkaMessage) -> None:
        events, _ = await decoded(message, OfferClosed)
        if events:
            await offers.withdraw_matches_on_offers_closed(recommender, events)
