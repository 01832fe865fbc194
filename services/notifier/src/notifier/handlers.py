"""Kafka subscriptions of the notifier, all in one place; each handler is named for its effect."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import (
    MATCH_FOUND,
    MATCH_WITHDRAWN,
    PROFILE_DELETED,
    PROFILE_UPDATED,
    MatchFound,
    MatchWithdrawn,
    ProfileDeleted,
    ProfileUpdated,
    decode,
    topic_name,
)
from notifier.service import Notifier
from servicekit.broker import POISON_ERRORS, dead_letters_of, poison_reason, subscriber


async def undecoded(message: Any) -> None:
    """Batch records are decoded one by one by the handler, so that one bad record is set aside."""


def subscribe(
    broker: KafkaBroker, notifier: Notifier, topic_suffix: str, batch_size: int = 100
) -> None:
    def topic(base: str) -> str:
        return topic_name(base, topic_suffix)

    dead_letters = dead_letters_of(broker)

    @subscriber(
        broker,
        topic(MATCH_FOUND),
        group_id=f"notifier.{MATCH_FOUND}",
        batch=True,
        max_records=batch_size,
        decoder=undecoded,
    )
    async def alert_on_matches_found(message: KafkaMessage) -> None:
        matches = []
        for record in message.raw_message:
            try:
                envelope = decode(record.value, MatchFound)
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
                continue
            matches.append((envelope.payload, str(envelope.event_id)))
        if matches:
            await notifier.alert_on_matches_found(matches)

    @subscriber(broker, topic(MATCH_WITHDRAWN), group_id=f"notifier.{MATCH_WITHDRAWN}")
    async def close_alert_on_match_withdrawn(body: dict[str, Any]) -> None:
        await notifier.close_alert_on_match_withdrawn(decode(body, MatchWithdrawn).payload)

    @subscriber(broker, topic(PROFILE_UPDATED), group_id=f"notifier.{PROFILE_UPDATED}")
    async def remember_seeker_on_profile_updated(body: dict[str, Any]) -> None:
        await notifier.remember_seeker_on_profile_updated(decode(body, ProfileUpdated).payload)

    @subscriber(
        broker,
        topic(PROFILE_DELETED),
        group_id=f"notifier.{PROFILE_DELETED}",
        batch=True,
        max_records=batch_size,
        decoder=undecoded,
    )
    async def purge_seekers_on_profile_deleted(message: KafkaMessage) -> None:
        deleted = []
        for record in message.raw_message:
            try:
                deleted.append(decode(record.value, ProfileDeleted).payload)
            except POISON_ERRORS as error:
                await dead_letters.send(record, poison_reason(record, error), "poison")
        if deleted:
            await notifier.purge_seekers_on_profile_deleted(deleted)
