"""A seeker applies to an employer's offer through Tremplin: the offer checked, the quotas, the
application kept with `offer-application-submitted` (ids only) in its outbox; the employer reads
it in Tremplin, and is emailed it once by the notifier when they gave an address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from contracts import OFFER_APPLICATION_SUBMITTED, OfferApplicationSubmitted, new_envelope
from contracts.offer_applications import (
    ApplicationForEmployer,
    ApplicationRoute,
    ApplicationStatus,
    OfferApplicationOut,
    OfferApplicationSubmit,
    SharedContact,
)
from offers.applications_store import ApplicationStore
from offers.domain.application import (
    Refused,
    application_id,
    check_open_to_applications,
    usable_address,
)
from offers.store import OfferStore
from servicekit.outbox import OUTBOX_FIELD, outbox_entry

PRODUCER = "offers"


@dataclass(frozen=True)
class Quota:
    per_day: int


async def apply(
    offer_id: str,
    seeker_id: str,
    application: OfferApplicationSubmit,
    *,
    offers: OfferStore,
    applications: ApplicationStore,
    quota: Quota,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The stored application; its id goes to the relay's `wake`."""
    now = now or datetime.now(UTC)
    stored = await offers.get(offer_id)
    if stored is None:
        raise Refused(404, f"No offer with id {offer_id!r}.")
    check_open_to_applications(stored.offer, stored.status, now)
    employer_id = stored.offer.employer_id
    assert employer_id is not None  # checked above: the offer is an employer's
    identifier = application_id(offer_id, seeker_id)
    if await applications.get(identifier) is not None:
        raise Refused(409, already_applied(identifier))
    if not await applications.take_daily_slot(seeker_id, now.date(), quota.per_day):
        raise Refused(
            429,
            f"You sent {quota.per_day} applications to offers today, the most a day: "
            "go on tomorrow.",
        )
    emailed = usable_address(await offers.application_email(offer_id)) is not None
    consent = application.consent_to_share_contact
    contact = application.contact if consent and application.contact else None
    event = OfferApplicationSubmitted(
        application_id=identifier,
        offer_id=offer_id,
        seeker_id=seeker_id,
        employer_id=employer_id,
        submitted_at=now,
    )
    document: dict[str, Any] = {
        "_id": identifier,
        "offer_id": offer_id,
        "seeker_id": seeker_id,
        "employer_id": employer_id,
        "offer_title": stored.offer.title,
        "employer_name": stored.offer.employer_name,
        "message": application.message,
        "consent_to_share_contact": consent,
        "contact": contact.model_dump() if contact else None,
        "status": ApplicationStatus.SUBMITTED.value,
        "route": (ApplicationRoute.EMAILED if emailed else ApplicationRoute.IN_TREMPLIN).value,
        "created_at": now,
        "withdrawn_at": None,
        OUTBOX_FIELD: [
            outbox_entry(new_envelope(event, producer=PRODUCER), OFFER_APPLICATION_SUBMITTED)
        ],
    }
    if not await applications.insert(document):
        await applications.give_back_daily_slot(seeker_id, now.date())
        raise Refused(409, already_applied(identifier))
    return document


def already_applied(identifier: str) -> str:
    return (
        "You already applied to this offer: one application per offer. It is in GET "
        f"/v1/me/offer-applications (id {identifier})."
    )


async def withdraw(
    application_id: str, seeker_id: str, applications: ApplicationStore
) -> dict[str, Any]:
    if not await applications.withdraw(application_id, seeker_id, datetime.now(UTC)):
        found = await applications.get(application_id)
        if found is None or found["seeker_id"] != seeker_id:
            raise Refused(404, "You have no application with this id.")
    found = await applications.get(application_id)
    if found is None:  # erased in between
        raise Refused(404, "You have no application with this id.")
    return found


def utc(moment: datetime) -> datetime:
    """The store gives back naive UTC datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def withdrawn_at(document: dict[str, Any]) -> datetime | None:
    moment = document.get("withdrawn_at")
    return None if moment is None else utc(moment)


def for_seeker(document: dict[str, Any]) -> OfferApplicationOut:
    return OfferApplicationOut(
        application_id=document["_id"],
        offer_id=document["offer_id"],
        offer_title=document["offer_title"],
        employer_name=document.get("employer_name"),
        seeker_id=document["seeker_id"],
        message=document["message"],
        consent_to_share_contact=document["consent_to_share_contact"],
        status=ApplicationStatus(document["status"]),
        route=ApplicationRoute(document["route"]),
        created_at=utc(document["created_at"]),
        withdrawn_at=withdrawn_at(document),
    )


def for_employer(document: dict[str, Any]) -> ApplicationForEmployer:
    """The message while the application stands; the contact only if the seeker consented."""
    standing = document["status"] == ApplicationStatus.SUBMITTED.value
    contact = document.get("contact") if document["consent_to_share_contact"] else None
    return ApplicationForEmployer(
        application_id=document["_id"],
        status=ApplicationStatus(document["status"]),
        created_at=utc(document["created_at"]),
        withdrawn_at=withdrawn_at(document),
        message=document["message"] if standing else None,
        contact=SharedContact.model_validate(contact) if standing and contact else None,
    )
