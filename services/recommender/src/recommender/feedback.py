"""A seeker says an offer is not for them: recorded with the offer's facts, announced, the match
withdrawn, and their ranking adjusted from then on (domain/feedback.py says how)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from contracts import FeedbackRecorded
from contracts.vocabulary import FeedbackReason, WithdrawalReason
from recommender.domain.feedback import with_feedback
from recommender.domain.grid import haversine_km
from recommender.domain.model import Offer, seeker_from_event
from recommender.events import feedback_recorded
from recommender.repositories import Document, SeekerWrite, facts_of, feedback_of, offer_of
from recommender.service import ATTEMPTS, Recommender, UnknownError
from recommender.suggestions import Proposal, Suggestions
from servicekit.data import ConcurrentUpdateError


async def record_feedback(
    recommender: Recommender, seeker_id: str, offer_id: str, reason: FeedbackReason
) -> FeedbackRecorded:
    settings = recommender.settings
    for _ in range(ATTEMPTS):
        document = await recommender.seekers.get(seeker_id)
        if document is None:
            raise UnknownError(f"No seeker with id {seeker_id!r} here.")
        offer = await _offer(recommender, offer_id)
        facts = facts_of(document)
        now = datetime.now(UTC)
        said = said_about(offer, reason, facts.place.latitude, facts.place.longitude, now)
        recorded = FeedbackRecorded(
            seeker_id=seeker_id,
            offer_id=offer_id,
            reason=reason,
            counsellor_id=facts.counsellor_id,
            recorded_at=now,
        )
        seeker = with_feedback(seeker_from_event(facts), feedback_of(document))
        suggestions = Suggestions(document, seeker, settings.top_k, settings.strong_score)
        suggestions.apply(Proposal(offer_id, reason=WithdrawalReason.SEEKER_FEEDBACK))
        write = SeekerWrite(
            seeker_id,
            document["rev"],
            suggestions.state(),
            [feedback_recorded(recorded), *suggestions.entries],
            feedback=said,
            rejected=offer_id,
        )
        if await recommender.seekers.save([write]):
            if seeker_id in recommender.engine.slot_of:  # else another replica holds them
                changed = with_feedback(seeker, feedback_of({"feedback": [said]}))
                recommender.engine.upsert(changed, rejected=[offer_id])
            await recommender.offers.note(removed={offer_id: [seeker_id]})
            recommender.wake([seeker_id])
            return recorded
    raise ConcurrentUpdateError(seeker_id)


async def _offer(recommender: Recommender, offer_id: str) -> Offer:
    offer = recommender.engine.offers.get(offer_id)
    if offer is not None:
        return offer
    stored = await recommender.offers.get(offer_id)
    if stored is None or "offer" not in stored:
        raise UnknownError(f"No offer with id {offer_id!r} here.")
    return offer_of(stored)


def said_about(
    offer: Offer, reason: FeedbackReason, latitude: float, longitude: float, now: datetime
) -> Document:
    """What the seeker said, with the facts of the offer their ranking learns from."""
    distance = haversine_km(
        latitude, longitude, np.array([offer.latitude]), np.array([offer.longitude])
    )
    return {
        "offer_id": offer.offer_id,
        "reason": reason.value,
        "rome_code": offer.rome_code,
        "contract_type": offer.contract_type,
        "distance_km": round(float(distance[0]), 1),
        "salary_eur": offer.salary_max if offer.salary_max is not None else offer.salary_min,
        "recorded_at": now,
    }
