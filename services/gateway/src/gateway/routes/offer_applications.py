"""Applications to offers employers published on Tremplin: a seeker applies, sees and withdraws
theirs; the employer reads those to their offer; the seeker's counsellor sees them."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.offer_applications import (
    EmployerApplicationList,
    OfferApplicationIn,
    OfferApplicationList,
    OfferApplicationOut,
    OfferApplicationSubmit,
    SharedContact,
)
from gateway.problems import responses
from gateway.routes.deps import Accesses, Id, Services, applying_route
from gateway.routes.seeker_data import (
    NOT_IN_CASELOAD,
    caseload_routes,
    offer_applications_of,
    profile_of,
    read_for_counsellor,
    seeker_routes,
    unless_missing,
)
from gateway.security import Caller
from gateway.upstream import Upstreams
from servicekit.auth import Principal

me = seeker_routes()
employer = APIRouter(prefix="/v1/employer", tags=["employer"])
caseload = caseload_routes()


async def shared_contact(services: Upstreams, seeker: Principal) -> SharedContact | None:
    """The name and email the seeker lets the employer have, from their own profile."""
    stored = await unless_missing(profile_of(seeker.sub, seeker, services), None)
    if stored is None:
        return None
    contact = stored.profile.contact
    return SharedContact(
        first_name=contact.first_name, last_name=contact.last_name, email=contact.email
    )


async def submit(
    offer_id: str, application: OfferApplicationIn, seeker: Principal, services: Upstreams
) -> OfferApplicationOut:
    """The seeker's application sent to the offers service (the API's route and the page's)."""
    contact = None
    if application.consent_to_share_contact:
        contact = await shared_contact(services, seeker)
    request = OfferApplicationSubmit(**application.model_dump(), contact=contact)
    body = await services.json(
        "offers", "POST", f"/offers/{offer_id}/applications/{seeker.sub}", seeker, json=request
    )
    return OfferApplicationOut.model_validate(body)


@applying_route(
    me,
    "/offers/{offer_id}/applications",
    missing="No such offer.",
    refused="You already applied to this offer; or it is closed; or it was not published on "
    "Tremplin (apply on the page in its `how_to_apply`).",
    used_up="the day's applications to offers are used up",
)
async def apply(
    offer_id: Id, application: OfferApplicationIn, me: Caller, services: Services
) -> OfferApplicationOut:
    """Apply to an offer an employer published on Tremplin (its `how_to_apply.channel` is
    `tremplin`). The employer reads it in Tremplin, and receives it by email once when they gave
    an address for applications. With `consent_to_share_contact`, they get your name and email
    (from your profile); otherwise they answer through your counsellor. One application per
    offer, a bounded number a day."""
    return await submit(offer_id, application, me, services)


@me.get("/offer-applications")
async def my_offer_applications(me: Caller, services: Services) -> OfferApplicationList:
    """Your applications to offers, newest first (spontaneous applications to companies are in
    `GET /v1/me/applications`)."""
    return OfferApplicationList.model_validate(await offer_applications_of(me.sub, me, services))


@me.post(
    "/offer-applications/{application_id}/withdraw",
    responses=responses(404, s404="You have no application with this id."),
)
async def withdraw(application_id: Id, me: Caller, services: Services) -> OfferApplicationOut:
    """Take back your application: the employer no longer sees your message or contact in
    Tremplin (an email already sent to them stays sent). Withdrawing it again changes nothing;
    you cannot apply to the same offer again."""
    body = await services.json(
        "offers", "POST", f"/offers/applications/{application_id}/withdraw", me
    )
    return OfferApplicationOut.model_validate(body)


@employer.get(
    "/offers/{offer_id}/applications",
    responses=responses(
        403, 404, s403="Not your offer: only the employer who published it sees its applications."
    ),
)
async def applications_to_my_offer(
    offer_id: Id, me: Caller, services: Services
) -> EmployerApplicationList:
    """The applications to your offer, newest first: each message, and the seeker's name and
    email when they consented to share them (otherwise answer through their counsellor)."""
    body = await services.json("offers", "GET", f"/offers/{offer_id}/applications", me)
    return EmployerApplicationList.model_validate(body)


@caseload.get("/{seeker_id}/offer-applications", responses=NOT_IN_CASELOAD)
async def seeker_offer_applications(
    seeker_id: Id, me: Caller, services: Services, accesses: Accesses
) -> OfferApplicationList:
    """A seeker's applications to offers. The seeker can see that you looked."""
    found = await read_for_counsellor(
        offer_applications_of, seeker_id, "offer_applications", me, services, accesses
    )
    return OfferApplicationList.model_validate(found)
