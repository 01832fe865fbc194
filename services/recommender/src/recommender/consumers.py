"""Every subscription of the recommender, in one place."""

from __future__ import annotations

from typing import Any

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


def subscribe(
    broker: KafkaBroker,
    recommender: Recommender,
    group_id: str,
    suffix: str,
    batch_size: int = 500,
) -> None:
    # One consumer group per topic: a group spanning several subscribers rebalances each time one
    # of them joins, which slows every start down by seconds.
    dead_letters = dead_letters_of(broker)

    @subscriber(
        broker,
        topic_name(PROFILE_UPDATED, suffix),
        group_id=f"{group_id}.{PROFILE_UPDATED}",
        batch=True,
        max_records=batch_size,
        decoder=undecoded,
    )
    async def recompute_matches_on_profiles_updated(message: KafkaMessage) -> None:
        events = []
        for record in message.raw_message:
            try:
                events.append(decode(record.value, ProfileUpdated))
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
        if events:
            await recommender.recompute_matches_on_profiles_updated(events)

    @subscriber(
        broker, topic_name(PROFILE_DELETED, suffix), group_id=f"{group_id}.{PROFILE_DELETED}"
    )
    async def forget_seeker_on_profile_deleted(event: Envelope[ProfileDeleted]) -> None:
        await recommender.forget_seeker_on_profile_deleted(event)

    @subscriber(
        broker, topic_name(OFFER_PUBLISHED, suffix), group_id=f"{group_id}.{OFFER_PUBLISHED}"
    )
    async def match_seekers_on_offer_published(event: Envelope[OfferPublished]) -> None:
        await recommender.match_seekers_on_offer_published(event)

    @subscriber(broker, topic_name(OFFER_CLOSED, suffix), group_id=f"{group_id}.{OFFER_CLOSED}")
    async def withdraw_matches_on_offer_closed(event: Envelope[OfferClosed]) -> None:
        await recommender.withdraw_matches_on_offer_closed(event)
