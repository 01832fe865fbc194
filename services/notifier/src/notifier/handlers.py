"""Kafka subscriptions of the notifier, all in one place; each handler is named for its effect."""

from __future__ import annotations

from typing import Any

from faststream.kafka import KafkaBroker

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
from servicekit.broker import subscriber


def subscribe(broker: KafkaBroker, notifier: Notifier, topic_suffix: str) -> None:
    def topic(base: str) -> str:
        return topic_name(base, topic_suffix)

    @subscriber(broker, topic(MATCH_FOUND), group_id=f"notifier.{MATCH_FOUND}")
    async def alert_on_match_found(body: dict[str, Any]) -> None:
        envelope = decode(body, MatchFound)
        await notifier.alert_on_match_found(envelope.payload, str(envelope.event_id))

    @subscriber(broker, topic(MATCH_WITHDRAWN), group_id=f"notifier.{MATCH_WITHDRAWN}")
    async def close_alert_on_match_withdrawn(body: dict[str, Any]) -> None:
        await notifier.close_alert_on_match_withdrawn(decode(body, MatchWithdrawn).payload)

    @subscriber(broker, topic(PROFILE_UPDATED), group_id=f"notifier.{PROFILE_UPDATED}")
    async def remember_seeker_on_profile_updated(body: dict[str, Any]) -> None:
        await notifier.remember_seeker_on_profile_updated(decode(body, ProfileUpdated).payload)

    @subscriber(broker, topic(PROFILE_DELETED), group_id=f"notifier.{PROFILE_DELETED}")
    async def purge_seeker_on_profile_deleted(body: dict[str, Any]) -> None:
        await notifier.purge_seeker_on_profile_deleted(decode(body, ProfileDeleted).payload)
