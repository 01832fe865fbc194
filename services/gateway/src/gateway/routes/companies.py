"""Companies likely to hire: for a seeker, for their counsellor; imports and attention for
operators. The seeker's occupations, home and radius are read from the profiles service."""

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from contracts.companies import AttentionReport, CompanyImportResult, CompanyList
from gateway.models import StoredProfileOut
from gateway.names import NamesOf
from gateway.problems import responses
from gateway.reasons import say_company_reasons
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.seeker_data import NO_PROFILE, NOT_IN_CASELOAD
from gateway.security import Caller
from refdata import Names
from servicekit.auth import Principal, Role

me = APIRouter(prefix="/v1/me", tags=["seeker"])
caseload = APIRouter(prefix="/v1/caseload", tags=["counsellor"])
ops = APIRouter(prefix="/v1/ops/companies", tags=["operations"])

Limit = Annotated[int, Query(ge=1, le=50, description="How many companies at most.")]
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    # The header names these columns, in any order.
                    "pattern": "^(?=[^\\n]*siret)(?=[^\\n]*raisonsociale)(?=[^\\n]*codenaf)"
                    "(?=[^\\n]*codecommune)(?=[^\\n]*coordinates_x)(?=[^\\n]*coordinates_y)",
                }
            }
        },
        "description": "Establishments in La Bonne Boîte's format: a header line, then rows "
        "(`siret`, `raisonsociale`, `codenaf`, `codecommune`, `coordinates_x`, "
        "`coordinates_y`...).",
    }
}


async def companies_answer(
    seeker_id: str, principal: Principal, services: Services, limit: int
) -> Response:
    """A seeker asking for themselves: the companies service holds the needs of the seekers
    whose profile it has heard of, one hop; for a profile so new that its event has not reached
    it yet (a 404), the long way. Anyone else goes the long way: the profile is read on the
    profiles service, which checks the caseload, and sent along."""
    if principal.role is Role.SEEKER and principal.sub == seeker_id:
        known = await services.call(
            "companies",
            "GET",
            f"/companies/for-seeker/{seeker_id}",
            principal,
            params={"limit": limit},
        )
        if known.status_code == status.HTTP_200_OK:
            return Response(known.content, media_type="application/json")
        if known.status_code != status.HTTP_404_NOT_FOUND:
            services.checked("companies", known)
    body = await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", principal)
    profile = StoredProfileOut.model_validate(body).profile
    query = {
        "seeker_id": seeker_id,
        "occupations": [o.rome_code for o in sorted(profile.occupations, key=lambda o: o.priority)][
            :5
        ],
        "latitude": profile.place.latitude,
        "longitude": profile.place.longitude,
        "radius_km": profile.radius_km,
        "experience_years": profile.experience_years,
        "accessibility_needs": profile.accessibility_needs,
        "limit": limit,
    }
    answer = await services.call(
        "companies", "POST", "/companies/for-seeker", principal, json=query
    )
    if answer.status_code != status.HTTP_200_OK:
        services.checked("companies", answer)
    return Response(answer.content, media_type="application/json")


async def companies_of(
    seeker_id: str, principal: Principal, services: Services, limit: int, names: Names
) -> CompanyList:
    """The same, read, each reason said in French and English (`fr`, `en`)."""
    answer = await companies_answer(seeker_id, principal, services, limit)
    return say_company_reasons(CompanyList.model_validate_json(bytes(answer.body)), names)


@me.get(
    "/companies",
    response_model=CompanyList,
    responses=NO_PROFILE,
)
async def my_companies(
    me: Caller, services: Services, names: NamesOf, limit: Limit = 20
) -> CompanyList:
    """Companies likely to hire you, for a spontaneous application: near you, in the sectors
    that hire people of your occupations, best first, each with its reasons in plain words."""
    return await companies_of(me.sub, me, services, limit, names)


@caseload.get(
    "/{seeker_id}/companies",
    response_model=CompanyList,
    responses=NOT_IN_CASELOAD,
)
async def seeker_companies(
    seeker_id: Id,
    me: Caller,
    services: Services,
    accesses: Accesses,
    names: NamesOf,
    limit: Limit = 20,
) -> CompanyList:
    """Companies likely to hire a seeker of your caseload. The seeker can see that you looked."""
    found = await companies_of(seeker_id, me, services, limit, names)
    await accesses.record(seeker_id, me.sub, me.name, "companies")
    return found


@ops.post(
    "/import",
    openapi_extra=CSV_BODY,
    responses=responses(413, 415, 422, s413="Over the import's size or row limits."),
)
async def import_companies(request: Request, me: Caller, services: Services) -> CompanyImportResult:
    """Import establishments in La Bonne Boîte's format; each rejected row says why."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("text/csv", "text/plain"):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            "Send the establishments as CSV (Content-Type: text/csv).",
        )
    body = await request.body()
    upstream = await services.call(
        "companies",
        "POST",
        "/companies/import",
        me,
        content=body,
        headers={"Content-Type": "text/csv"},
        timeout=120,
    )
    return CompanyImportResult.model_validate(services.checked("companies", upstream))


@ops.get("/attention")
async def attention(me: Caller, services: Services) -> AttentionReport:
    """How attention is spread this period: no company shown to many more seekers than its
    expected hires justify."""
    body: Any = await services.json("companies", "GET", "/companies/attention", me)
    return AttentionReport.model_validate(body)
