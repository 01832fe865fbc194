"""Internal HTTP API of applications to offers: the gateway calls it for the seeker, their
counsellor and the employer; the notifier reads what to email."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status

from contracts.offer_applications import (
    ApplicationStatus,
    EmployerApplicationList,
    OfferApplicationDelivery,
    OfferApplicationList,
    OfferApplicationOut,
    OfferApplicationSubmit,
)
from offers.api import Config, Store, get_relay
from offers.applications_store import ApplicationStore
from offers.applying import Quota, apply, for_employer, for_seeker, withdraw
from offers.domain.application import Refused, usable_address
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.outbox import OutboxRelay

router = APIRouter(prefix="/offers", tags=["applications"])


def get_applications(request: Request) -> ApplicationStore:
    return request.app.state.applications  # type: ignore[no-any-return]


def get_application_relay(request: Request) -> OutboxRelay:
    """The applications' outbox relay: only while Kafka answers (else 503)."""
    get_relay(request)
    return request.app.state.application_relay  # type: ignore[no-any-return]


Applications = Annotated[ApplicationStore, Depends(get_applications)]
Relay = Annotated[OutboxRelay, Depends(get_application_relay)]


def seeker_or_service(caller: Principal, seeker_id: str) -> None:
    if not (caller.role is Role.SEEKER and caller.sub == seeker_id) and not caller.is_service():
        raise forbid("A seeker applies for themselves only.")


@router.post(
    "/{offer_id}/applications/{seeker_id}",
    status_code=status.HTTP_201_CREATED,
    responses={
        403: {"description": "A seeker applies for themselves only."},
        404: {"description": "No such offer."},
        409: {"description": "Applied already, the offer is closed, or not published here."},
        429: {"description": "The day's applications are all sent."},
    },
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
    seeker_or_service(caller, seeker_id)
    try:
        document = await apply(
            offer_id,
            seeker_id,
            application,
            offers=offers,
            applications=applications,
            quota=Quota(settings.applications_per_day),
        )
    except Refused as refused:
        raise HTTPException(refused.status, refused.detail) from None
    relay.wake([document["_id"]])
    return for_seeker(document)


@router.get("/applications/of/{seeker_id}", responses={403: {"description": "Not yours."}})
async def applications_of(
    seeker_id: str, caller: Caller, applications: Applications
) -> OfferApplicationList:
    """A seeker's applications to offers, newest first (their counsellor's caseload is checked
    by the gateway against the profiles service)."""
    if caller.role is Role.EMPLOYER or (caller.role is Role.SEEKER and caller.sub != seeker_id):
        raise forbid()
    found = await applications.of_seeker(seeker_id)
    return OfferApplicationList(items=[for_seeker(document) for document in found])


@router.post(
    "/applications/{application_id}/withdraw",
    responses={
        403: {"description": "Seekers only."},
        404: {"description": "No such application of yours."},
    },
)
async def withdraw_application(
    application_id: str, caller: Caller, applications: Applications
) -> OfferApplicationOut:
    """The seeker takes their application back: the employer no longer sees its message or
    their contact (an email already sent stays sent). Withdrawing it again changes nothing."""
    if caller.role is not Role.SEEKER:
        raise forbid("Only the seeker who applied withdraws an application.")
    try:
        return for_seeker(await withdraw(application_id, caller.sub, applications))
    except Refused as refused:
        raise HTTPException(refused.status, refused.detail) from None


@router.get(
    "/{offer_id}/applications",
    responses={
        403: {"description": "Not your offer."},
        404: {"description": "No such offer."},
    },
)
async def applications_to(
    offer_id: str, caller: Caller, offers: Store, applications: Applications
) -> EmployerApplicationList:
    """The applications to an offer, for the employer who published it only."""
    stored = await offers.get(offer_id)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No offer with id {offer_id!r}.")
    if not (caller.role is Role.EMPLOYER and stored.offer.employer_id == caller.sub):
        raise forbid("Only the employer who published this offer sees its applications.")
    found = await applications.of_offer(offer_id)
    return EmployerApplicationList(
        offer_id=offer_id,
        offer_title=stored.offer.title,
        emailed_to=usable_address(await offers.application_email(offer_id)),
        items=[for_employer(document) for document in found],
    )


@router.get(
    "/applications/{application_id}/delivery",
    responses={
        403: {"description": "The notifier only."},
        404: {"description": "Nothing to send."},
    },
)
async def delivery(
    application_id: str, caller: Caller, offers: Store, applications: Applications
) -> OfferApplicationDelivery:
    """What the notifier needs to email an application to the employer: nothing once withdrawn,
    nor when the employer gave no address."""
    if not caller.is_service("notifier"):
        raise forbid("The notifier only.")
    document = await applications.get(application_id)
    standing = document is not None and document["status"] == ApplicationStatus.SUBMITTED
    if document is None or not standing:
        raise HTTPException(404, "Nothing to send for this application.")
    address = usable_address(await offers.application_email(document["offer_id"]))
    if address is None:
        raise HTTPException(404, "Nothing to send for this application.")
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
