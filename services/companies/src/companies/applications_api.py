"""Internal HTTP API of spontaneous applications, and of a company's opt-out or closure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from companies.api import State
from companies.applications_store import ApplicationStore
from companies.applying import Quotas, apply, view
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
from servicekit import application_routes as rules
from servicekit.auth import Caller, forbid
from servicekit.outbox import OutboxRelay
from servicekit.route_support import described, is_staff, refusals_answered

router = APIRouter(prefix="/companies", tags=["applications"])
OPERATORS_ON_A_COMPANY = described({403: "Operators only.", 404: "No such company."})


class Applications(State):
    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.applications: ApplicationStore = request.app.state.applications
        self.relay: OutboxRelay = request.app.state.relay


Service = Annotated[Applications, Depends(Applications)]


@rules.applying_route(
    router,
    "/{siret}/applications/{seeker_id}",
    "No such company.",
    "Already applied in the period, or the company opted out.",
)
async def submit(
    siret: str, seeker_id: str, application: ApplicationIn, caller: Caller, service: Service
) -> ApplicationOut:
    """A spontaneous application: kept, and emailed once to a company that has an address."""
    rules.applies_for_themselves(caller, seeker_id)
    with refusals_answered():
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


@router.get("/applications/of/{seeker_id}", responses=described({403: "Not yours."}))
async def applications_of(seeker_id: str, caller: Caller, service: Service) -> ApplicationList:
    """A seeker's applications, newest first (their counsellor's caseload is checked by the
    gateway against the profiles service)."""
    rules.reads_their_applications(caller, seeker_id)
    found = await service.applications.of_seeker(seeker_id)
    return ApplicationList(items=[view(document, service.sectors) for document in found])


@router.get("/applications/{application_id}/delivery", responses=rules.DELIVERY)
async def delivery(application_id: str, caller: Caller, service: Service) -> ApplicationDelivery:
    """What the notifier needs to email an application to its company (never for placeholders)."""
    rules.notifier_only(caller)
    document = await service.applications.get(application_id)
    place = service.catalogue.by_siret.get(document["siret"]) if document else None
    address = real_address(place.email) if place else None
    if document is None or place is None or address is None:
        raise rules.nothing_to_send()
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


@router.post("/{siret}/opt-out", responses=OPERATORS_ON_A_COMPANY)
async def opt_out(
    siret: str, request: OptOutIn, caller: Caller, service: Service
) -> CompanyStatusOut:
    """The company wants no more spontaneous applications; its reason is kept."""
    if not is_staff(caller):
        raise forbid("Only operators record a company's opt-out.")
    return await withdraw(siret, OPTED_OUT, request.reason, service)


@router.post("/{siret}/close", responses=OPERATORS_ON_A_COMPANY)
async def close(siret: str, caller: Caller, service: Service) -> CompanyStatusOut:
    """The establishment closed: it is shown to no one any more."""
    if not is_staff(caller):
        raise forbid("Only operators close a company.")
    return await withdraw(siret, CLOSED, "closed", service)
