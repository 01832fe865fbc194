"""Internal HTTP API of the trainings service (the gateway exposes it to operators)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from contracts.trainings import (
    LHEO_MEDIA_TYPES,
    ProposalReason,
    ProposalRequest,
    TrainingImportResult,
    TrainingIssue,
    TrainingProposal,
    TrainingSession,
    TrainingSessionView,
)
from servicekit.auth import Caller, Role, forbid
from servicekit.outbox import OutboxRelay
from trainings.config import Settings
from trainings.domain.formation import Issue, Vocabulary
from trainings.domain.proposals import NearMatch, Seeker, propose
from trainings.importing import ImportReport, import_lheo
from trainings.lheo_reader import NotLheoError
from trainings.store import SessionStore

router = APIRouter(prefix="/trainings", tags=["trainings"])


def get_store(request: Request) -> SessionStore:
    return request.app.state.store  # type: ignore[no-any-return]


def get_relay(request: Request) -> OutboxRelay:
    return request.app.state.relay  # type: ignore[no-any-return]


def get_vocabulary(request: Request) -> Vocabulary:
    return request.app.state.vocabulary  # type: ignore[no-any-return]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


Store = Annotated[SessionStore, Depends(get_store)]
Relay = Annotated[OutboxRelay, Depends(get_relay)]
Words = Annotated[Vocabulary, Depends(get_vocabulary)]
Config = Annotated[Settings, Depends(get_settings)]


def issues(found: list[Issue]) -> list[TrainingIssue]:
    return [TrainingIssue(element=i.element, id=i.id, reason=i.reason) for i in found]


def result(report: ImportReport) -> TrainingImportResult:
    return TrainingImportResult(
        accepted=report.accepted,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        closed=report.closed,
        rejections=issues(report.rejections),
        notices=issues(report.notices),
    )


IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {media: {"schema": {"type": "string"}} for media in LHEO_MEDIA_TYPES},
        "description": "An LHEO document (lheo > offres > formation > action > session).",
    }
}


@router.post(
    "/import",
    openapi_extra=IMPORT_BODY,
    responses={
        403: {"description": "Only operators and services import trainings."},
        415: {"description": "The body is not XML."},
        422: {"description": "The body is not an LHEO document."},
    },
)
async def import_trainings(
    request: Request, caller: Caller, store: Store, relay: Relay, words: Words, settings: Config
) -> TrainingImportResult:
    """Import an LHEO document: sessions are found again by formation, action and session
    numbers; those past their dates are kept closed; each rejected record says why."""
    if caller.role not in (Role.OPERATOR, Role.SERVICE):
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
            detail = [{"loc": ["body"], "msg": f"{error}{done}", "type": "value_error"}]
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
    return result(report)


@router.get("/sessions/{session_id}", responses={404: {"description": "No such session."}})
async def get_session(session_id: str, caller: Caller, store: Store) -> TrainingSessionView:
    """One training session, open or closed."""
    stored = await store.get(session_id)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No training session {session_id!r}.")
    return TrainingSessionView.model_validate(
        {
            "session": stored.session.model_dump(),
            "version": stored.version,
            "status": stored.status,
            "closed_at": stored.closed_at,
        }
    )


@router.post("/proposals")
async def proposals(
    request_in: ProposalRequest, caller: Caller, store: Store
) -> list[TrainingProposal]:
    """Sessions near a seeker that fill what their near-matches miss, or lead to their target
    occupations when their suggestions are thin; each with its reasons (FR/EN)."""
    if caller.role is Role.EMPLOYER:
        raise forbid("Employers do not see seekers' training proposals.")
    today = datetime.now(UTC).date()
    seeker = Seeker(
        request_in.latitude,
        request_in.longitude,
        request_in.radius_km,
        tuple(request_in.occupations),
    )
    near = [NearMatch(m.score, tuple(m.missing)) for m in request_in.near_matches]
    sessions = await store.joinable_near(seeker.latitude, seeker.longitude, seeker.radius_km, today)
    return [
        TrainingProposal(
            session=TrainingSession.model_validate(p.session.model_dump()),
            distance_km=p.distance_km,
            fills=p.fills,
            reasons=[ProposalReason(code=r.code, fr=r.fr, en=r.en) for r in p.reasons],
        )
        for p in propose(seeker, near, sessions, today)
    ]
