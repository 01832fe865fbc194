"""Trainings: operators import their region's LHEO export; seekers see the trainings proposed
to them; counsellors recommend them (the seeker is alerted) or dismiss them."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status

from contracts.trainings import (
    LHEO_MEDIA_TYPES,
    DismissalIn,
    NearMatchIn,
    ProposalRequest,
    RecommendationIn,
    TrainingImportResult,
    TrainingProposal,
    TrainingRecommendationView,
)
from gateway.names import NamesOf
from gateway.problems import responses
from gateway.reasons import say_proposal_reasons
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.seeker_data import (
    NO_PROFILE,
    NOT_IN_CASELOAD,
    in_caseload,
    seen,
    suggestions_of,
)
from gateway.security import Caller
from gateway.upstream import Upstreams
from refdata import Names
from servicekit.auth import Principal

router = APIRouter(prefix="/v1/trainings", tags=["trainings"])

IMPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": {"type": "string", "format": "binary"}} for media in LHEO_MEDIA_TYPES
        },
        "description": "An LHEO document, the Carif-Oref network's exchange format "
        "(lheo > offres > formation > action > session), as your Carif-Oref exports it. "
        "Larger exports go through the CLI (`python -m trainings.importer`).",
    }
}


@router.post(
    "/import",
    openapi_extra=IMPORT_BODY,
    responses=responses(
        413,
        415,
        422,
        s413="Over the import's size limit: import the file with the CLI.",
        s415="Send the document as application/xml (or text/xml).",
        s422="Not an LHEO document, or not well-formed XML: `detail` says where.",
    ),
)
async def import_trainings(
    request: Request, me: Caller, services: Services
) -> TrainingImportResult:
    """Import training sessions in LHEO: new, changed and unchanged sessions are counted, those
    past their dates are kept closed, and each rejected record names its element and why.
    Importing the same document again changes nothing."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in LHEO_MEDIA_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Send the LHEO document as {' or '.join(LHEO_MEDIA_TYPES)}, not {media_type!r}.",
        )
    body = await services.json(
        "trainings",
        "POST",
        "/trainings/import",
        me,
        content=await request.body(),
        headers={"Content-Type": media_type},
        timeout=300,
    )
    return TrainingImportResult.model_validate(body)


proposals = APIRouter(tags=["trainings"])


async def proposals_for(
    seeker_id: str, me: Principal, services: Upstreams, names: Names
) -> list[TrainingProposal]:
    """The seeker's place and targets (profiles), their near-matches (recommender), then the
    trainings service's proposals: each service checks again that the caller may see them."""
    profile, suggestions = await asyncio.gather(
        services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me),
        suggestions_of(seeker_id, me, services),
    )
    facts = profile["profile"]
    request = ProposalRequest(
        seeker_id=seeker_id,
        latitude=facts["place"]["latitude"],
        longitude=facts["place"]["longitude"],
        radius_km=facts["radius_km"],
        occupations=[o["rome_code"] for o in facts["occupations"]][:5],
        near_matches=[
            NearMatchIn(score=s["score"], missing=[r["code"] for r in s["missing"]][:50])
            for s in suggestions[:500]
        ],
    )
    body = await services.json("trainings", "POST", "/trainings/proposals", me, json=request)
    return say_proposal_reasons((TrainingProposal.model_validate(item) for item in body), names)


@proposals.get("/v1/me/trainings", responses=NO_PROFILE)
async def my_trainings(me: Caller, services: Services, names: NamesOf) -> list[TrainingProposal]:
    """Trainings near you that give what the offers near you keep asking for, or that lead to
    the occupation you look for when you have few suggestions; with their sessions, place,
    dates, cost, funding, the body's page, and why in plain words (French and English). Those
    your counsellor recommends come first, with their note."""
    return await proposals_for(me.sub, me, services, names)


@proposals.get("/v1/caseload/{seeker_id}/trainings", responses=NOT_IN_CASELOAD)
async def seeker_trainings(
    seeker_id: Id, me: Caller, services: Services, accesses: Accesses, names: NamesOf
) -> list[TrainingProposal]:
    """The trainings proposed to a seeker of your caseload, and why; those you recommended come
    first with your note, those you dismissed are left out. The seeker can see that you looked."""
    found = proposals_for(seeker_id, me, services, names)
    return await seen(found, seeker_id, "trainings", me, accesses)


DECIDED = responses(
    404,
    409,
    s404="No such seeker in your caseload, or no such training session.",
    s409="The session takes no more trainees (begun, full or closed), or another decision on "
    "it was being written at the same time: read the proposals again.",
)
SessionId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,299}$",
        description="The training session's id (formation:action:session).",
    ),
]


async def decide(
    seeker_id: str,
    session_id: str,
    decision: str,
    body: dict[str, Any],
    me: Principal,
    services: Upstreams,
) -> Any:
    """A counsellor's recommendation or dismissal of a proposal (the API's routes and the
    console's), once the profiles service has said the seeker is in their caseload."""
    await in_caseload(seeker_id, me, services)
    path = f"/trainings/seekers/{seeker_id}/sessions/{session_id}/{decision}"
    return await services.json("trainings", "POST", path, me, json=body)


@proposals.post("/v1/caseload/{seeker_id}/trainings/{session_id}/recommend", responses=DECIDED)
async def recommend_training(
    seeker_id: Id, session_id: SessionId, body: RecommendationIn, me: Caller, services: Services
) -> TrainingRecommendationView:
    """Recommend a training to a seeker of your caseload, with a note for them (at most 1,000
    characters): they get an alert on the channels they chose for their counsellor's messages.
    Recommending it again sends nothing more (a changed note is kept for their trainings page)."""
    said = body.model_dump(mode="json")
    answer = await decide(seeker_id, session_id, "recommendation", said, me, services)
    return TrainingRecommendationView.model_validate(answer)


@proposals.post("/v1/caseload/{seeker_id}/trainings/{session_id}/dismiss", responses=DECIDED)
async def dismiss_training(
    seeker_id: Id, session_id: SessionId, body: DismissalIn, me: Caller, services: Services
) -> TrainingRecommendationView:
    """Dismiss a proposal that does not fit this seeker, with your reason if you like (the
    seeker is not told): neither you nor they see it any more."""
    said = body.model_dump(mode="json")
    answer = await decide(seeker_id, session_id, "dismissal", said, me, services)
    return TrainingRecommendationView.model_validate(answer)
