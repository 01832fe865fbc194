"""What the recommender announces, as outbox entries, and the stored form of a match."""

from __future__ import annotations

from contracts import (
    FEEDBACK_RECORDED,
    MATCH_FOUND,
    MATCH_WITHDRAWN,
    FeedbackRecorded,
    MatchFound,
    MatchWithdrawn,
    new_envelope,
)
from contracts.vocabulary import WithdrawalReason
from recommender.domain.model import Offer, Seeker
from recommender.domain.scoring import Scored
from recommender.repositories import Document
from servicekit.metrics import counter
from servicekit.outbox import outbox_entry

PRODUCER = "recommender"
MATCHES = counter(
    "tremplin_recommender_matches_total",
    "Matches computed for publication: found (strong or normal) or withdrawn (by reason). A "
    "write conflict recomputes, so this may exceed the match events published.",
    ["outcome", "kind"],
)


def match_of(offer: Offer, scored: Scored, seeker: Seeker) -> Document:
    return {
        "offer_id": offer.offer_id,
        "offer_version": offer.version,
        "profile_version": seeker.version,
        "score": scored.score,
        "reasons": [r.model_dump() for r in scored.reasons],
        "missing": [r.model_dump() for r in scored.missing],
        "offer_title": offer.title,
        "rome_code": offer.rome_code,
        "distance_km": scored.distance_km,
    }


def match_found(seeker: Seeker, match: Document, strong_score: float) -> Document:
    payload = MatchFound(
        seeker_id=seeker.seeker_id,
        counsellor_id=seeker.counsellor_id,
        needs_review=seeker.needs_review,
        via_counsellor=seeker.via_counsellor,
        strong=match["score"] >= strong_score,
        **match,
    )
    MATCHES.labels("found", "strong" if payload.strong else "normal").inc()
    return outbox_entry(new_envelope(payload, producer=PRODUCER), MATCH_FOUND)


def match_withdrawn(seeker_id: str, offer_id: str, reason: WithdrawalReason) -> Document:
    payload = MatchWithdrawn(seeker_id=seeker_id, offer_id=offer_id, reason=reason)
    MATCHES.labels("withdrawn", reason.value).inc()
    return outbox_entry(new_envelope(payload, producer=PRODUCER), MATCH_WITHDRAWN)


def feedback_recorded(recorded: FeedbackRecorded) -> Document:
    return outbox_entry(new_envelope(recorded, producer=PRODUCER), FEEDBACK_RECORDED)
