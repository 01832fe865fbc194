"""Internal HTTP API of the recommender (the gateway exposes it to the outside)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from contracts import FeedbackRecorded, Reason
from contracts.vocabulary import FeedbackReason
from recommender.service import Recommender, UnknownError
from servicekit.auth import Caller, Principal, Role, forbid

router = APIRouter(tags=["recommender"])


def get_recommender(request: Request) -> Recommender:
    return request.app.state.recommender  # type: ignore[no-any-return]


Service = Annotated[Recommender, Depends(get_recommender)]


class Suggestion(BaseModel):
    offer_id: str
    offer_version: int
    profile_version: int
    score: float = Field(ge=0, le=1, description="Match score in [0, 1]; higher is better.")
    reasons: list[Reason] = Field(description="Why this offer suits the seeker.")
    missing: list[Reason] = Field(description="What does not fit yet.")
    offer_title: str
    rome_code: str
    distance_km: float


class OfferMatch(Suggestion):
    seeker_id: str


class FeedbackIn(BaseModel):
    reason: FeedbackReason = Field(description="Why the offer is not for the seeker.")


class FeedbackOut(BaseModel):
    offer_id: str
    reason: FeedbackReason
    recorded_at: Any


def may_see_seeker(caller: Principal, seeker_id: str, service: Recommender) -> None:
    if caller.role in (Role.OPERATOR, Role.SERVICE):
        return
    if caller.role is Role.SEEKER and caller.sub == seeker_id:
        return
    if caller.role is Role.COUNSELLOR and service.engine.counsellor_of(seeker_id) == caller.sub:
        return
    raise forbid()


def no_seeker(seeker_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No suggestions for seeker {seeker_id!r}.")


@router.get("/seekers/{seeker_id}/recommendations")
async def recommendations(seeker_id: str, caller: Caller, service: Service) -> list[Suggestion]:
    """The seeker's current suggestions, best first, each with its reasons."""
    may_see_seeker(caller, seeker_id, service)
    found = await service.recommendations(seeker_id)
    if found is None:
        raise no_seeker(seeker_id)
    return [Suggestion.model_validate(m) for m in found]


@router.post(
    "/seekers/{seeker_id}/recommendations/{offer_id}/feedback",
    status_code=status.HTTP_201_CREATED,
)
async def record_feedback(
    seeker_id: str, offer_id: str, body: FeedbackIn, caller: Caller, service: Service
) -> FeedbackRecorded:
    """The seeker says an offer is not for them: recorded, the match withdrawn, ranking adjusted."""
    if caller.role is Role.COUNSELLOR or not (
        caller.role in (Role.OPERATOR, Role.SERVICE) or caller.sub == seeker_id
    ):
        raise forbid("Only the seeker can say an offer is not for them.")
    try:
        return await service.record_feedback(seeker_id, offer_id, body.reason)
    except UnknownError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None


@router.get("/seekers/{seeker_id}/feedback")
async def feedback(seeker_id: str, caller: Caller, service: Service) -> list[FeedbackOut]:
    """What the seeker said about the offers they turned down (for their counsellor)."""
    may_see_seeker(caller, seeker_id, service)
    found = await service.feedback(seeker_id)
    if found is None:
        raise no_seeker(seeker_id)
    return [FeedbackOut.model_validate(f) for f in found]


@router.get("/offers/{offer_id}/matches")
async def offer_matches(offer_id: str, caller: Caller, service: Service) -> list[OfferMatch]:
    """Seekers this offer was suggested to (a counsellor sees only their own seekers)."""
    if caller.role not in (Role.OPERATOR, Role.SERVICE, Role.COUNSELLOR):
        raise forbid()
    found = await service.matches_of_offer(offer_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No offer with id {offer_id!r} here.")
    if caller.role is Role.COUNSELLOR:
        found = [m for m in found if service.engine.counsellor_of(m["seeker_id"]) == caller.sub]
    return [OfferMatch.model_validate(m) for m in found]


@router.get("/stats")
async def stats(caller: Caller, service: Service) -> dict[str, Any]:
    """How alerts are spread: per seeker and per offer (count of seekers/offers by alerts)."""
    if caller.role not in (Role.OPERATOR, Role.SERVICE):
        raise forbid()
    return service.stats()
