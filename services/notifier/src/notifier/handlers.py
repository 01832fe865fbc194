"""Kafka subscriptions of the notifier, all in one place; each handler is named for its effect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from contracts import (
    APPLICATION_SUBMITTED,
    FEEDBACK_RECORDED,
    MATCH_FOUND,
    MATCH_WITHDRAWN,
    OFFER_APPLICATION_SUBMITTED,
    PROFILE_DELETED,
    PROFILE_UPDATED,
    TRAINING_RECOMMENDED,
    ApplicationSubmitted,
    Envelope,
    FeedbackRecorded,
    MatchFound,
    MatchWithdrawn,
    OfferApplicationSubmitted,
    ProfileDeleted,
    ProfileUpdated,
    TrainingRecommended,
    topic_name,
)
from contracts.companies import ApplicationDelivery
from contracts.offer_applications import OfferApplicationDelivery
from notifier.application_mail import ApplicationMail
from notifier.service import Notifier
from servicekit.broker import dead_letters_of, decode_batch, subscriber, undecoded

P = TypeVar(
    "P",
    ApplicationSubmitted,
    FeedbackRecorded,
    MatchFound,
    MatchWithdrawn,
    OfferApplicationSubmitted,
    ProfileDeleted,
    ProfileUpdated,
    TrainingRecommended,
)


def subscribe(
    broker: KafkaBroker,
    notifier: Notifier,
    topic_suffix: str,
    batch_size: int = 100,
    company_mail: ApplicationMail[ApplicationDelivery] | None = None,
    offer_mail: ApplicationMail[OfferApplicationDelivery] | None = None,
) -> None:
    def topic(base: str) -> str:
        return topic_name(base, topic_suffix)

    dead_letters = dead_letters_of(broker)

    def batched(base: str) -> Callable[[Callable[..., Awaitable[Any]]], Any]:
        """Subscribe to a topic's records in batches, decoded by `decoded`."""
        return subscriber(
            broker,
            topic(base),
            group_id=f"notifier.{base}",
            batch=True,
            max_records=batch_size,
            decoder=undecoded,
        )

    async def decoded(message: KafkaMessage, payload_type: type[P]) -> list[Envelope[P]]:
        """A batch's records decoded one by one; a poison record goes to the dead letters."""
        found = await decode_batch(dead_letters, message.raw_message, payload_type)
        return [envelope for _, _, envelope in found]

    @batched(MATCH_FOUND)
    async def alert_on_matches_found(message: KafkaMessage) -> None:
        envelopes = await decoded(message, MatchFound)
        if envelopes:
            await notifier.alert_on_matches_found(
                [(envelope.payload, str(envelope.event_id)) for envelope in envelopes]
            )

    @batched(MATCH_WITHDRAWN)
    async def close_alerts_on_matches_withdrawn(message: KafkaMessage) -> None:
        envelopes = await decoded(message, MatchWithdrawn)
        if envelopes:
            await notifier.close_alerts_on_matches_withdrawn([e.payload for e in envelopes])

    @batched(PROFILE_UPDATED)
    async def remember_seekers_on_profiles_updated(message: KafkaMessage) -> None:
        envelopes = await decoded(message, ProfileUpdated)
        if envelopes:
            await notifier.remember_seekers_on_profiles_updated([e.payload for e in envelopes])

    @batched(PROFILE_DELETED)
    async def purge_seekers_on_profile_deleted(message: KafkaMessage) -> None:
        envelopes = await decoded(message, ProfileDeleted)
        if envelopes:
            await notifier.purge_seekers_on_profile_deleted([e.payload for e in envelopes])

    @batched(FEEDBACK_RECORDED)
    async def tell_counsellors_on_feedback_recorded(message: KafkaMessage) -> None:
        envelopes = await decoded(message, FeedbackRecorded)
        if envelopes:
            await notifier.tell_counsellors_on_feedback_recorded([e.payload for e in envelopes])

    @batched(APPLICATION_SUBMITTED)
    async def email_companies_on_applications_submitted(message: KafkaMessage) -> None:
        envelopes = await decoded(message, ApplicationSubmitted)
        if envelopes and company_mail is not None:
            await company_mail.email_once([e.payload.application_id for e in envelopes])

    @batched(OFFER_APPLICATION_SUBMITTED)
    async def email_employers_on_offer_applications_submitted(message: KafkaMessage) -> None:
        envelopes = await decoded(message, OfferApplicationSubmitted)
        if envelopes and offer_mail is not None:
            await offer_mail.email_once([e.payload.application_id for e in envelopes])

    @batched(TRAINING_RECOMMENDED)
    async def alert_seekers_on_trainings_recommended(message: KafkaMessage) -> None:
        envelopes = await decoded(message, TrainingRecommended)
        if envelopes:
            await notifier.alert_seekers_on_trainings_recommended([e.payload for e in envelopes])
