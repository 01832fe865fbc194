"""Internal HTTP API of the recommender (the gateway exposes it to the outside)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field, TypeAdapter

from contracts import FeedbackRecorded, Reason
from contracts.vocabulary import FeedbackReason
from recommender import feedback as feedbacks
from recommender import reads
from recommender.service import Recommender, UnknownError
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.kafka_gate import kafka_required

router = APIRouter(tags=["recommender"])


# How long a seeker's suggestions, once read, are answered from memory. Matching is asynchronous
# already (events, then the outbox relay): a second more is within the same order, and spares
# the store one read per request of an app that asks again and again.
SUGGESTIONS_FRESH_S = 1.0


@dataclass
class RecentSuggestions:
    """Each seeker's suggestions as last read (JSON) for `fresh_s`; one read at a time per seeker.

    A seeker's own action (feedback) forgets their entry at once, and a read that began before it
    is not kept, so that the seeker never sees again what they just turned down.
    """

    fresh_s: float
    capacity: int = 100_000
    clock: Callable[[], float] = time.monotonic
    entries: dict[str, tuple[float, bytes]] = field(default_factory=dict)
    reading: dict[str, asyncio.Task[bytes | None]] = field(default_factory=dict)
    generation: dict[str, int] = field(default_factory=dict)
    epoch: int = 0
    hits: int = 0
    misses: int = 0

    async def get(
        self, seeker_id: str, read: Callable[[], Awaitable[bytes | None]]
    ) -> bytes | None:
        entry = self.entries.get(seeker_id)
        if entry is not None and self.clock() - entry[0] < self.fresh_s:
            self.hits += 1
            return entry[1]
        self.misses += 1
        task = self.reading.get(seeker_id)
        if task is None:
            generation = (self.epoch, self.generation.get(seeker_id, 0))
            task = asyncio.create_task(self._read(seeker_id, read, self.clock(), generation))
            task.add_done_callback(_retrieved)
            self.reading[seeker_id] = task
        return await asyncio.shield(task)  # a caller who goes away does not cancel the others' read

    async def _read(
        self,
        seeker_id: str,
        read: Callable[[], Awaitable[bytes | None]],
        began: float,
        generation: tuple[int, int],
    ) -> bytes | None:
        try:
            body = await read()
        finally:
            if self.reading.get(seeker_id) is asyncio.current_task():
                del self.reading[seeker_id]
        if (self.epoch, self.generation.get(seeker_id, 0)) == generation:
            if body is None:
                self.entries.pop(seeker_id, None)
            else:
                if len(self.entries) >= self.capacity:
                    self.entries.clear()
                self.entries[seeker_id] = (began, body)
        return body

    def forget(self, seeker_id: str) -> None:
        self.entries.pop(seeker_id, None)
        self.reading.pop(seeker_id, None)
        self.generation[seeker_id] = self.generation.get(seeker_id, 0) + 1
        if len(self.generation) > self.capacity:
            self.generation.clear()
            self.epoch += 1  # no read begun before this point may be kept


def _retrieved(task: asyncio.Task[Any]) -> None:
    """A failed read whose every caller went away is not reported as never retrieved."""
    if not task.cancelled():
        task.exception()


async def get_recommender(request: Request) -> Recommender:
    return request.app.state.recommender  # type: ignore[no-any-return]


async def get_recent_suggestions(request: Request) -> RecentSuggestions:
    recent = getattr(request.app.state, "recent_suggestions", None)
    if recent is None:
        recent = request.app.state.recent_suggestions = RecentSuggestions(SUGGESTIONS_FRESH_S)
    return recent


Service = Annotated[Recommender, Depends(get_recommender)]
Recent = Annotated[RecentSuggestions, Depends(get_recent_suggestions)]


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


SUGGESTIONS = TypeAdapter(list[Suggestion])


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


@router.get("/seekers/{seeker_id}/recommendations", response_model=list[Suggestion])
async def recommendations(
    seeker_id: str, caller: Caller, service: Service, recent: Recent
) -> Response:
    """The seeker's current suggestions, best first, each with its reasons."""
    may_see_seeker(caller, seeker_id, service)

    async def read() -> bytes | None:
        found = await reads.recommendations(service, seeker_id)
        if found is None:
            return None
        return SUGGESTIONS.dump_json(SUGGESTIONS.validate_python(found), by_alias=True)

    body = await recent.get(seeker_id, read)
    if body is None:
        raise no_seeker(seeker_id)
    return Response(body, media_type="application/json")


@router.post(
    "/seekers/{seeker_id}/recommendations/{offer_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(kafka_required)],  # publishes feedback-recorded
)
async def record_feedback(
    seeker_id: str,
    offer_id: str,
    body: FeedbackIn,
    caller: Caller,
    service: Service,
    recent: Recent,
) -> FeedbackRecorded:
    """The seeker says an offer is not for them: recorded, the match withdrawn, ranking adjusted."""
    if caller.role is Role.COUNSELLOR or not (
        caller.role in (Role.OPERATOR, Role.SERVICE) or caller.sub == seeker_id
    ):
        raise forbid("Only the seeker can say an offer is not for them.")
    try:
        return await feedbacks.record_feedback(service, seeker_id, offer_id, body.reason)
    except UnknownError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    finally:
        recent.forget(seeker_id)


@router.get("/seekers/{seeker_id}/feedback")
async def feedback(seeker_id: str, caller: Caller, service: Service) -> list[FeedbackOut]:
    """What the seeker said about the offers they turned down (for their counsellor)."""
    may_see_seeker(caller, seeker_id, service)
    found = await reads.feedback(service, seeker_id)
    if found is None:
        raise no_seeker(seeker_id)
    return [FeedbackOut.model_validate(f) for f in found]


@router.get("/offers/{offer_id}/matches")
async def offer_matches(offer_id: str, caller: Caller, service: Service) -> list[OfferMatch]:
    """Seekers this offer was suggested to (a counsellor sees only their own seekers)."""
    if caller.role not in (Role.OPERATOR, Role.SERVICE, Role.COUNSELLOR):
        raise forbid()
    found = await reads.matches_of_offer(service, offer_id)
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
    return reads.stats(service)
