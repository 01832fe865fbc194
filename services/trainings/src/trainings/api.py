"""Internal HTTP API of the trainings service (the gateway exposes it to operators)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from contracts.trainings import (
    LHEO_MEDIA_TYPES,
    DismissalIn,
    ProposalReason,
    ProposalRequest,
    RecommendationIn,
    TrainingImportResult,
    TrainingProposal,
    TrainingRecommendationView,
    TrainingSession,
    TrainingSessionView,
)
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.outbox import OutboxRelay
from servicekit.route_support import (
    described,
    document_import_route,
    from_state,
    is_staff,
    refusals_answered,
    relay_from_state,
    unprocessable,
)
from trainings.config import Settings
from trainings.domain.formation import Vocabulary
from trainings.domain.proposals import NearMatch, Seeker
from trainings.importing import ImportReport, import_lheo
from trainings.lheo_reader import NotLheoError
from trainings.recommendations import RecommendationStore
from trainings.recommending import dismiss, proposals_for, recommend
from trainings.store import SessionStore

router = APIRouter(prefix="/trainings", tags=["trainings"])


Store = Annotated[SessionStore, Depends(from_state("store"))]
Relay = Annotated[OutboxRelay, Depends(relay_from_state())]
Decisions = Annotated[RecommendationStore, Depends(from_state("recommendations"))]
DecisionRelay = Annotated[OutboxRelay, Depends(relay_from_state("recommendation_relay"))]
Words = Annotated[Vocabulary, Depends(from_state("vocabulary"))]
Config = Annotated[Settings, Depends(from_state("settings"))]


@document_import_route(
    router,
    LHEO_MEDIA_TYPES,
    "An LHEO document (lheo > offres > formation > action > session).",
    {
        403: "Only operators and services import trainings.",
        415: "The body is not XML.",
        422: "The body is not an LHEO document.",
    },
)
async def import_trainings(
    request: Request, caller: Caller, store: Store, relay: Relay, words: Words, settings: Config
) -> TrainingImportResult:
    """Import an LHEO document: sessions are found again by formation, action and session
    numbers; those past their dates are kept closed; each rejected record says why."""
    if not is_staff(caller):
        raise forbid("Only operators and services import trainings.")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in LHEO_MEDIA_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Send the LHEO document as {' or '.join(LHEO_MEDIA_TYPES)}, not {media_type!r}.",
        )
    with tempfile.SpooledTemporaryFile(max_size=settings.import_spool_bytes) as body:
        async for chunk in request.stream():
            body.write(chunk)
        body.seek(0)
        report = ImportReport()

        def queued(so_far: ImportReport, ids: list[str]) -> None:
            nonlocal report
            report = so_far
            relay.wake(ids)

        try:
            report = await import_lheo(
                body, store, words, batch_size=settings.import_batch_size, on_batch=queued
            )
        except NotLheoError as error:
            done = (
                f" ({report.sessions} sessions before it were imported)" if report.sessions else ""
            )
            raise unprocessable("body", None, f"{error}{done}") from None
    return TrainingImportResult.model_validate(report, from_attributes=True)


@router.get("/sessions/{session_id}", responses=described({404: "No such session."}))
async def get_session(session_id: str, caller: Caller, store: Store) -> TrainingSessionView:
    """One training session, open or closed."""
    stored = await store.get(session_id)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No training session {session_id!r}.")
    return TrainingSessionView.model_validate(stored, from_attributes=True)


def recommendation_view(document: dict[str, Any]) -> TrainingRecommendationView:
    fields = TrainingRecommendationView.model_fields
    return TrainingRecommendationView.model_validate({name: document.get(name) for name in fields})


@router.post(
    "/proposals", responses=described({403: "Employers, and seekers asking for someone else."})
)
async def proposals(
    request_in: ProposalRequest, caller: Caller, store: Store, decisions: Decisions
) -> list[TrainingProposal]:
    """Sessions near a seeker that fill what their near-matches miss, or lead to their target
    occupations when their suggestions are thin; each with its reasons (FR/EN). With the
    seeker's id: those their counsellor dismissed are left out, those recommended come first
    with the counsellor's note. (The gateway checks the counsellor's caseload.)"""
    if caller.role is Role.EMPLOYER:
        raise forbid("Employers do not see seekers' training proposals.")
    if caller.role is Role.SEEKER and request_in.seeker_id not in (None, caller.sub):
        raise forbid("A seeker sees their own proposals only.")
    today = datetime.now(UTC).date()
    seeker = Seeker(
        request_in.latitude,
        request_in.longitude,
        request_in.radius_km,
        tuple(request_in.occupations),
    )
    near = [NearMatch(m.score, tuple(m.missing)) for m in request_in.near_matches]
    found, chosen = await proposals_for(
        seeker,
        near,
        request_in.seeker_id,
        sessions=store,
        recommendations=decisions,
        today=today,
    )
    return [
        TrainingProposal(
            session=TrainingSession.model_validate(p.session, from_attributes=True),
            distance_km=p.distance_km,
            fills=p.fills,
            reasons=[ProposalReason(code=r.code, params=r.params, fr="", en="") for r in p.reasons],
            recommendation=(
                recommendation_view(chosen[p.session.id]) if p.session.id in chosen else None
            ),
        )
        for p in found
    ]


DECIDED = described(
    {
        403: "Counsellors (and services) only.",
        404: "No such training session.",
        409: "The session takes no more trainees, or a decision raced this one.",
    }
)


def counsellor_of(caller: Principal) -> str:
    if caller.role not in (Role.COUNSELLOR, Role.SERVICE):
        raise forbid("Only a seeker's counsellor recommends or dismisses their trainings.")
    return caller.sub


@router.post("/seekers/{seeker_id}/sessions/{session_id}/recommendation", responses=DECIDED)
async def recommend_session(
    seeker_id: str,
    session_id: str,
    body: RecommendationIn,
    caller: Caller,
    store: Store,
    decisions: Decisions,
    relay: DecisionRelay,
) -> TrainingRecommendationView:
    """Recommend a session to a seeker (the gateway checks they are in the caller's caseload):
    `training-recommended` goes out once per seeker and session, however often it is asked."""
    counsellor_id = counsellor_of(caller)
    with refusals_answered():
        document = await recommend(
            seeker_id,
            session_id,
            counsellor_id,
            body.note,
            sessions=store,
            recommendations=decisions,
            relay=relay,
            now=datetime.now(UTC),
        )
    return recommendation_view(document)


@router.post("/seekers/{seeker_id}/sessions/{session_id}/dismissal", responses=DECIDED)
async def dismiss_session(
    seeker_id: str,
    session_id: str,
    body: DismissalIn,
    caller: Caller,
    store: Store,
    decisions: Decisions,
) -> TrainingRecommendationView:
    """Dismiss a proposal: neither the counsellor nor the seeker sees it any more."""
    counsellor_id = counsellor_of(caller)
    with refusals_answered():
        document = await dismiss(
            seeker_id,
            session_id,
            counsellor_id,
            body.reason,
            sessions=store,
            recommendations=decisions,
            now=datetime.now(UTC),
        )
    return recommendation_view(document)
