"""Spontaneous applications: a seeker applies and sees theirs; their counsellor sees them;
operators record a company's opt-out or closure."""

from typing import Annotated

from fastapi import APIRouter, Path

from contracts.companies import (
    SIRET_PATTERN,
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    CompanyStatusOut,
    OptOutIn,
)
from gateway.problems import responses
from gateway.routes.deps import Accesses, Id, Services, applying_route
from gateway.routes.seeker_data import (
    NOT_IN_CASELOAD,
    applications_of,
    caseload_routes,
    read_for_counsellor,
    seeker_routes,
)
from gateway.security import Caller
from gateway.upstream import Upstreams
from servicekit.auth import Principal

me = seeker_routes()
caseload = caseload_routes()
ops = APIRouter(prefix="/v1/ops/companies", tags=["operations"])

Siret = Annotated[str, Path(pattern=SIRET_PATTERN, description="SIRET of the establishment.")]


async def send_application(
    siret: str, application: ApplicationIn, seeker: Principal, services: Upstreams
) -> ApplicationOut:
    """The seeker's spontaneous application sent to the companies service (the API's route and
    the page's)."""
    body = await services.json(
        "companies",
        "POST",
        f"/companies/{siret}/applications/{seeker.sub}",
        seeker,
        json=application,
    )
    return ApplicationOut.model_validate(body)


@applying_route(
    me,
    "/companies/{siret}/applications",
    missing="No company with this SIRET.",
    refused="You already applied to this company in the period, or it takes no more spontaneous "
    "applications.",
    used_up="the day's spontaneous applications are used up",
)
async def apply(
    siret: Siret, application: ApplicationIn, me: Caller, services: Services
) -> ApplicationOut:
    """Send a spontaneous application. It answers no published offer: the company announced no
    job. It is emailed once to the company when it has an address for it; otherwise your
    counsellor passes it on. One application per company per period, a few a day."""
    return await send_application(siret, application, me, services)


@me.get("/applications")
async def my_applications(me: Caller, services: Services) -> ApplicationList:
    """Your spontaneous applications, newest first."""
    return ApplicationList.model_validate(await applications_of(me.sub, me, services))


@caseload.get("/{seeker_id}/applications", responses=NOT_IN_CASELOAD)
async def seeker_applications(
    seeker_id: Id, me: Caller, services: Services, accesses: Accesses
) -> ApplicationList:
    """A seeker's spontaneous applications: those kept for you to pass on say so. The seeker
    can see that you looked."""
    found = await read_for_counsellor(
        applications_of, seeker_id, "applications", me, services, accesses
    )
    return ApplicationList.model_validate(found)


@ops.post("/{siret}/opt-out", responses=responses(404, s404="No company with this SIRET."))
async def opt_out(
    siret: Siret, request: OptOutIn, me: Caller, services: Services
) -> CompanyStatusOut:
    """Record that a company wants no more spontaneous applications, with its reason."""
    body = await services.json(
        "companies", "POST", f"/companies/{siret}/opt-out", me, json=request.model_dump()
    )
    return CompanyStatusOut.model_validate(body)


@ops.post("/{siret}/close", responses=responses(404, s404="No company with this SIRET."))
async def close(siret: Siret, me: Caller, services: Services) -> CompanyStatusOut:
    """Remove a closed establishment: it is shown to no one any more."""
    body = await services.json("companies", "POST", f"/companies/{siret}/close", me)
    return CompanyStatusOut.model_validate(body)
