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
    EventPayload,
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

P = TypeVar("P", bound=EventPayload)
Effect = Callable[[list[Envelope[P]]], Awaitable[object]]


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

    def on_batches(base: str, payload_type: type[P], name: str, effect: Effect[P]) -> None:
        """Subscribe `effect` to a topic's decoded envelopes (an empty batch calls nothing)."""

        async def handle(message: KafkaMessage) -> None:
            envelopes = await decoded(message, payload_type)
            if envelopes:
                await effect(envelopes)

        handle.__name__ = handle.__qualname__ = name
        batched(base)(handle)

    def payloads(use_case: Callable[[list[Any]], Awaitable[object]]) -> Effect[Any]:
        return lambda envelopes: use_case([envelope.payload for envelope in envelopes])

    def applications(mail: ApplicationMail[Any] | None) -> Effect[Any]:
        async def email_once(envelopes: list[Envelope[Any]]) -> None:
            if mail is not None:
                await mail.email_once([e.payload.application_id for e in envelopes])

        return email_once

    async def alert_with_event_ids(envelopes: list[Envelope[MatchFound]]) -> None:
        await notifier.alert_on_matches_found(
            [(envelope.payload, str(envelope.event_id)) for envelope in envelopes]
        )

    subscriptions: list[tuple[str, type[Any], str, Effect[Any]]] = [
        (MATCH_FOUND, MatchFound, "alert_on_matches_found", alert_with_event_ids),
        (
            MATCH_WITHDRAWN,
            MatchWithdrawn,
            "close_alerts_on_matches_withdrawn",
            payloads(notifier.close_alerts_on_matches_withdrawn),
        ),
        (
            PROFILE_UPDATED,
            ProfileUpdated,
            "remember_seekers_on_profiles_updated",
            payloads(notifier.remember_seekers_on_profiles_updated),
        ),
        (
            PROFILE_DELETED,
            ProfileDeleted,
            "purge_seekers_on_profile_deleted",
            payloads(notifier.purge_seekers_on_profile_deleted),
        ),
        (
            FEEDBACK_RECORDED,
            FeedbackRecorded,
            "tell_counsellors_on_feedback_recorded",
            payloads(notifier.tell_counsellors_on_feedback_recorded),
        ),
        (
            APPLICATION_SUBMITTED,
            ApplicationSubmitted,
            "email_companies_on_applications_submitted",
            applications(company_mail),
        ),
        (
            OFFER_APPLICATION_SUBMITTED,
            OfferApplicationSubmitted,
            "email_employers_on_offer_applications_submitted",
            applications(offer_mail),
        ),
        (
            TRAINING_RECOMMENDED,
            TrainingRecommended,
            "alert_seekers_on_trainings_recommended",
            payloads(notifier.alert_seekers_on_trainings_recommended),
        ),
    ]
    for base, payload_type, name, effect in subscriptions:
        on_batches(base, payload_type, name, effect)
