"""Internal HTTP API of spontaneous applications, and of a company's opt-out or closure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from companies.api import State, is_staff
from companies.applications_store import ApplicationStore
from companies.applying import Quotas, Refused, apply, view
from companies.domain.application import real_address
from companies.store import CLOSED, OPTED_OUT
from contracts.companies import (
    ApplicationDelivery,
    ApplicationIn,
    ApplicationList,
    ApplicationOut,
    CompanyStatusOut,
    OptOutIn,
)
from servicekit.auth import Caller, Role, forbid
from servicekit.outbox import OutboxRelay

router = APIRouter(prefix="/companies", tags=["applications"])


class Applications(State):
    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.applications: ApplicationStore = request.app.state.applications
        self.relay: OutboxRelay = request.app.state.relay


Service = Annotated[Applications, Depends(Applications)]


@router.post(
    "/{siret}/applications/{seeker_id}",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "A seeker applies for themselves only."},
        404: {"description": "No such company."},
        409: {"description": "Already applied in the period, or the company opted out."},
        429: {"description": "The day's applications are all sent."},
    },
)
async def submit(
    siret: str, seeker_id: str, application: ApplicationIn, caller: Caller, service: Service
) -> ApplicationOut:
    """A spontaneous application: kept, and emailed once to a company that has an address."""
    if (
        not (caller.role is Role.SEEKER and caller.sub == seeker_id)
        and caller.role is not Role.SERVICE
    ):
        raise forbid("A seeker applies for themselves only.")
    try:
        return await apply(
            seeker_id,
            siret,
            application,
            catalogue=service.catalogue,
            sectors=service.sectors,
            establishments=service.store,
            applications=service.applications,
            relay=service.relay,
            quotas=Quotas(
                service.settings.application_period_days, service.settings.applications_per_day
            ),
        )
    except Refused as refused:
        raise HTTPException(refused.status, refused.detail) from None


@router.get("/applications/of/{seeker_id}", responses={403: {"description": "Not yours."}})
async def applications_of(seeker_id: str, caller: Caller, service: Service) -> ApplicationList:
    """A seeker's applications, newest first (their counsellor's caseload is checked by the
    gateway against the profiles service)."""
    if caller.role is Role.SEEKER and caller.sub != seeker_id:
        raise forbid()
    if caller.role is Role.EMPLOYER:
        raise forbid()
    found = await service.applications.of_seeker(seeker_id)
    return ApplicationList(items=[view(document, service.sectors) for document in found])


@router.get(
    "/applications/{application_id}/delivery",
    responses={
        403: {"description": "The notifier only."},
        404: {"description": "Nothing to send."},
    },
)
async def delivery(application_id: str, caller: Caller, service: Service) -> ApplicationDelivery:
    """What the notifier needs to email an application to its company (never for placeholders)."""
    if not caller.is_service("notifier"):
        raise forbid("The notifier only.")
    document = await service.applications.get(application_id)
    place = service.catalogue.by_siret.get(document["siret"]) if document else None
    address = real_address(place.email) if place else None
    if document is None or place is None or address is None:
        raise HTTPException(404, "Nothing to send for this application.")
    return ApplicationDelivery(
        application_id=application_id,
        siret=place.siret,
        company_name=place.name,
        company_email=address,
        seeker_id=document["seeker_id"],
        message=document["message"],
        consent_to_share_contact=document["consent_to_share_contact"],
    )


async def withdraw(
    siret: str, new_status: str, reason: str | None, service: State
) -> CompanyStatusOut:
    if not await service.store.set_status(siret, new_status, reason):
        raise HTTPException(404, f"No company with SIRET {siret}.")
    service.catalogue.remove(siret)
    return CompanyStatusOut(siret=siret, status=new_status, reason=reason)


@router.post(
    "/{siret}/opt-out",
    responses={403: {"description": "Operators only."}, 404: {"description": "No such company."}},
)
async def opt_out(
    siret: str, request: OptOutIn, caller: Caller, service: Service
) -> CompanyStatusOut:
    """The company wants no more spontaneous applications; its reason is kept."""
    if not is_staff(caller):
        raise forbid("Only operators record a company's opt-out.")
    return await withdraw(siret, OPTED_OUT, request.reason, service)


@router.post(
    "/{siret}/close",
    responses={403: {"description": "Operators only."}, 404: {"description": "No such company."}},
)
async def close(siret: str, caller: Caller, service: Service) -> CompanyStatusOut:
    """The establishment closed: it is shown to no one any more."""
    if not is_staff(caller):
        raise forbid("Only operators close a company.")
    return await withdraw(siret, CLOSED, "closed", service)
