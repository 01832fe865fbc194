"""Use cases of the counsellor's loop: recommend a proposal to a seeker, or dismiss it; and a
seeker's proposals as their counsellor left them (dismissed ones out, recommended ones first)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from servicekit.outbox import OutboxRelay
from servicekit.refusal import Refused
from trainings.domain.proposals import (
    NearMatch,
    Proposal,
    Seeker,
    available,
    propose,
    recommended,
    with_decisions,
)
from trainings.domain.recommendation import Change, Decision, State, clean
from trainings.domain.session import Session
from trainings.recommendations import Conflict, RecommendationStore
from trainings.store import OPEN, SessionStore, StoredSession


class SessionUnknown(Refused):
    def __init__(self, session_id: str) -> None:
        super().__init__(404, f"No training session {session_id!r}.")


class SessionNotJoinable(Refused):
    def __init__(self, session_id: str) -> None:
        super().__init__(409, "This session takes no more trainees (begun, full or closed).")


async def known_session(sessions: SessionStore, session_id: str) -> StoredSession:
    stored = await sessions.get(session_id)
    if stored is None:
        raise SessionUnknown(session_id)
    return stored


async def decided(
    recommendations: RecommendationStore,
    seeker_id: str,
    session: Session,
    wanted: Decision,
    now: datetime,
) -> tuple[dict[str, Any], Change]:
    try:
        return await recommendations.decide(seeker_id, session, wanted, now)
    except Conflict:
        raise Refused(409, "Another decision was being written: try again.") from None


async def recommend(
    seeker_id: str,
    session_id: str,
    counsellor_id: str,
    note: str | None,
    *,
    sessions: SessionStore,
    recommendations: RecommendationStore,
    relay: OutboxRelay,
    now: datetime,
) -> dict[str, Any]:
    stored = await known_session(sessions, session_id)
    if stored.status != OPEN or not available(stored.session, now.date()):
        raise SessionNotJoinable(session_id)
    wanted = Decision(State.RECOMMENDED, counsellor_id, note=clean(note))
    document, change = await decided(recommendations, seeker_id, stored.session, wanted, now)
    if change.tell_seeker:
        relay.wake([document["_id"]])
    return document


async def dismiss(
    seeker_id: str,
    session_id: str,
    counsellor_id: str,
    reason: str | None,
    *,
    sessions: SessionStore,
    recommendations: RecommendationStore,
    now: datetime,
) -> dict[str, Any]:
    stored = await known_session(sessions, session_id)
    wanted = Decision(State.DISMISSED, counsellor_id, reason=clean(reason))
    document, _ = await decided(recommendations, seeker_id, stored.session, wanted, now)
    return document


async def proposals_for(
    seeker: Seeker,
    near: Sequence[NearMatch],
    seeker_id: str | None,
    *,
    sessions: SessionStore,
    recommendations: RecommendationStore,
    today: date,
) -> tuple[list[Proposal], dict[str, dict[str, Any]]]:
    """The proposals, and the recommendations among them by session id."""
    decisions = await recommendations.of_seeker(seeker_id) if seeker_id else []
    dismissed = {d["session_id"] for d in decisions if d["state"] == State.DISMISSED}
    chosen = {d["session_id"]: d for d in decisions if d["state"] == State.RECOMMENDED}
    near_by = await sessions.joinable_near(
        seeker.latitude, seeker.longitude, seeker.radius_km, today
    )
    found = propose(seeker, near, [s for s in near_by if s.id not in dismissed], today)
    shown = {p.session.id for p in found}
    extra = []
    for session_id in sorted(chosen.keys() - shown):
        stored = await sessions.get(session_id)
        if stored is not None and stored.status == OPEN:
            proposal = recommended(seeker, stored.session, today)
            if proposal is not None:
                extra.append(proposal)
    return with_decisions(found, chosen, extra), chosen
