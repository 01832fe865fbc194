"""Every subscription of the recommender, in one place; each takes what one poll returns.

Replicas share profile-updated through one consumer group: each holds the seekers of the
partitions it owns. Every replica reads every offer and every erasure, in a group of its own.
A batch's records are decoded one by one (a poison record goes to the dead letters, the others
are handled), handled in slices of bounded time (slices.py), then committed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
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
    EventPayload,
    OfferClosed,
    OfferPublished,
    ProfileDeleted,
    ProfileUpdated,
    topic_name,
)
from recommender import erasure, matching, offers, ownership
from recommender.config import Batches
from recommender.service import Recommender
from recommender.slices import Decoded, Pace, in_slices
from servicekit.broker import dead_letters_of, decode_batch, subscriber, undecoded

P = TypeVar("P", bound=EventPayload)


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

    async def decoded(message: KafkaMessage, payload_type: type[P]) -> list[Decoded[Envelope[P]]]:
        """A batch's records decoded one by one; poison goes to the dead letters."""
        found = await decode_batch(dead_letters, message.raw_message, payload_type)
        return [Decoded(envelope, record, position) for position, record, envelope in found]

    def stopping() -> bool:
        return recommender.stopping

    def sliced(
        payload_type: type[P],
        max_records: int,
        use_case: Callable[..., Awaitable[object]],
        arguments: Callable[[Sequence[Decoded[Envelope[P]]]], tuple[Any, ...]],
    ) -> Callable[[KafkaMessage], Awaitable[None]]:
        """A handler named for `use_case`: it decodes a poll and calls `use_case` on it in
        slices of bounded time."""
        pace = Pace(batches.slice_s, max_records)

        async def handle(part: Sequence[Decoded[Envelope[P]]]) -> None:
            await use_case(*arguments(part))

        async def consume(message: KafkaMessage) -> None:
            events = await decoded(message, payload_type)
            await in_slices(message, events, handle, pace, stopping)

        consume.__name__ = consume.__qualname__ = use_case.__name__
        return consume

    batched(
        PROFILE_UPDATED,
        batches.profiles,
        f"{group_id}.{PROFILE_UPDATED}",
        listener=SeekerOwnership(recommender, profiles_topic),
    )(
        sliced(
            ProfileUpdated,
            batches.profiles,
            matching.recompute_matches_on_profiles_updated,
            lambda part: (recommender, events_of(part), [d.record.partition for d in part]),
        )
    )
    broadcast(PROFILE_DELETED, batches.profiles)(
        sliced(
            ProfileDeleted,
            batches.profiles,
            erasure.forget_seekers_on_profiles_deleted,
            lambda part: (recommender, events_of(part), sweep),
        )
    )
    for base, payload_type, use_case in (
        (OFFER_PUBLISHED, OfferPublished, offers.match_seekers_on_offers_published),
        (OFFER_CLOSED, OfferClosed, offers.withdraw_matches_on_offers_closed),
    ):
        broadcast(base, batches.offers)(
            sliced(
                payload_type,
                batches.offers,
                use_case,
                lambda part: (recommender, events_of(part)),
            )
        )


def events_of(part: Sequence[Decoded[Envelope[P]]]) -> list[Envelope[P]]:
    return [d.event for d in part]
