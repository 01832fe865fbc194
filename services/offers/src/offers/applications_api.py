"""Internal HTTP API of applications to offers: the gateway calls it for the seeker, their
counsellor and the employer; the notifier reads what to email."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from contracts.offer_applications import (
    ApplicationStatus,
    EmployerApplicationList,
    OfferApplicationDelivery,
    OfferApplicationList,
    OfferApplicationOut,
    OfferApplicationSubmit,
)
from offers.api import NOT_YOURS, Config, Store, no_such_offer
from offers.applications_store import ApplicationStore
from offers.applying import Quota, apply, for_employer, for_seeker, withdraw
from offers.domain.application import usable_address
from servicekit import application_routes as rules
from servicekit.auth import Caller, Role, forbid
from servicekit.outbox import OutboxRelay
from servicekit.route_support import described, from_state, refusals_answered, relay_from_state

router = APIRouter(prefix="/offers", tags=["applications"])


Applications = Annotated[ApplicationStore, Depends(from_state("applications"))]
Relay = Annotated[OutboxRelay, Depends(relay_from_state("application_relay"))]


@rules.applying_route(
    router,
    "/{offer_id}/applications/{seeker_id}",
    "No such offer.",
    "Applied already, the offer is closed, or not published here.",
)
async def submit(
    offer_id: str,
    seeker_id: str,
    application: OfferApplicationSubmit,
    caller: Caller,
    offers: Store,
    applications: Applications,
    relay: Relay,
    settings: Config,
) -> OfferApplicationOut:
    """An application to an employer's offer: kept, shown to the employer, emailed once to the
    address they gave for applications (if any)."""
    rules.applies_for_themselves(caller, seeker_id)
    with refusals_answered():
        document = await apply(
            offer_id,
            seeker_id,
            application,
            offers=offers,
            applications=applications,
            quota=Quota(settings.applications_per_day),
        )
    relay.wake([document["_id"]])
    return for_seeker(document)


@router.get("/applications/of/{seeker_id}", responses=described({403: "Not yours."}))
async def applications_of(
    seeker_id: str, caller: Caller, applications: Applications
) -> OfferApplicationList:
    """A seeker's applications to offers, newest first (their counsellor's caseload is checked
    by the gateway against the profiles service)."""
    rules.reads_their_applications(caller, seeker_id)
    found = await applications.of_seeker(seeker_id)
    return OfferApplicationList(items=[for_seeker(document) for document in found])


@router.post(
    "/applications/{application_id}/withdraw",
    responses=described({403: "Seekers only.", 404: "No such application of yours."}),
)
async def withdraw_application(
    application_id: str, caller: Caller, applications: Applications
) -> OfferApplicationOut:
    """The seeker takes their application back: the employer no longer sees its message or
    their contact (an email already sent stays sent). Withdrawing it again changes nothing."""
    if caller.role is not Role.SEEKER:
        raise forbid("Only the seeker who applied withdraws an application.")
    with refusals_answered():
        return for_seeker(await withdraw(application_id, caller.sub, applications))


@router.get("/{offer_id}/applications", responses=NOT_YOURS)
async def applications_to(
    offer_id: str, caller: Caller, offers: Store, applications: Applications
) -> EmployerApplicationList:
    """The applications to an offer, for the employer who published it only."""
    stored = await offers.get(offer_id)
    if stored is None:
        raise no_such_offer(offer_id)
    if not (caller.role is Role.EMPLOYER and stored.offer.employer_id == caller.sub):
        raise forbid("Only the employer who published this offer sees its applications.")
    found = await applications.of_offer(offer_id)
    return EmployerApplicationList(
        offer_id=offer_id,
        offer_title=stored.offer.title,
        emailed_to=usable_address(await offers.application_email(offer_id)),
        items=[for_employer(document) for document in found],
    )


@router.get("/applications/{application_id}/delivery", responses=rules.DELIVERY)
async def delivery(
    application_id: str, caller: Caller, offers: Store, applications: Applications
) -> OfferApplicationDelivery:
    """What the notifier needs to email an application to the employer: nothing once withdrawn,
    nor when the employer gave no address."""
    rules.notifier_only(caller)
    document = await applications.get(application_id)
    standing = document is not None and document["status"] == ApplicationStatus.SUBMITTED
    if document is None or not standing:
        raise rules.nothing_to_send()
    address = usable_address(await offers.application_email(document["offer_id"]))
    if address is None:
        raise rules.nothing_to_send()
    return OfferApplicationDelivery(
        application_id=application_id,
        offer_id=document["offer_id"],
        offer_title=document["offer_title"],
        employer_name=document.get("employer_name"),
        employer_email=address,
        seeker_id=document["seeker_id"],
        message=document["message"],
        consent_to_share_contact=document["consent_to_share_contact"],
    )
