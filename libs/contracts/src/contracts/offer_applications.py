"""Applications to offers that employers published on Tremplin, over HTTP: what the seeker sends,
what the seeker, their counsellor and the employer see, what the notifier reads (internal)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.fields import Applicant, ApplicationId, ApplicationMessage, SeekerMessage, Strict


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class ApplicationRoute(StrEnum):
    EMAILED = "emailed_to_employer"
    IN_TREMPLIN = "kept_for_employer"


class OfferApplicationIn(Strict):
    message: ApplicationMessage = Field(
        description="Your message to the employer: why this job, what you can do."
    )
    consent_to_share_contact: bool = Field(
        description="Whether the employer may have your name and email address to answer you; "
        "otherwise they answer through your counsellor."
    )


class SharedContact(Strict):
    """What a seeker who consented lets the employer have (read from their profile when they
    applied)."""

    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str | None = Field(default=None, max_length=254)


class OfferApplicationSubmit(OfferApplicationIn):
    """The gateway's request to the offers service (internal): the seeker's application, and
    their contact when they consented to share it."""

    contact: SharedContact | None = Field(
        default=None, description="Only with `consent_to_share_contact`; ignored otherwise."
    )


class OfferApplicationOut(Strict):
    kind: Literal["offer"] = Field(
        default="offer",
        description="`offer`: an application to a published offer (spontaneous applications to "
        "companies are listed by `GET /v1/me/applications`).",
    )
    application_id: ApplicationId
    offer_id: str = Field(description="The offer applied to.")
    offer_title: str = Field(description="Its title when the seeker applied.")
    employer_name: str | None = Field(description="Its employer's name, when the offer gives one.")
    seeker_id: Applicant
    message: SeekerMessage
    consent_to_share_contact: bool
    status: ApplicationStatus = Field(
        description="`submitted`: the employer has it; `withdrawn`: the seeker took it back."
    )
    route: ApplicationRoute = Field(
        description="`emailed_to_employer`: emailed once to the address the employer gave, and "
        "shown in Tremplin; `kept_for_employer`: the employer reads it in Tremplin."
    )
    created_at: datetime = Field(description="When it was sent.")
    withdrawn_at: datetime | None = Field(default=None, description="When it was taken back.")


class OfferApplicationList(Strict):
    items: list[OfferApplicationOut] = Field(description="Applications to offers, newest first.")


class ApplicationForEmployer(Strict):
    application_id: ApplicationId
    status: ApplicationStatus
    created_at: datetime = Field(description="When it was sent.")
    withdrawn_at: datetime | None = None
    message: str | None = Field(
        description="The seeker's message; none once they withdrew their application."
    )
    contact: SharedContact | None = Field(
        description="The seeker's name and email, only when they consented to share them (and "
        "have not withdrawn); otherwise answer through their counsellor at France Travail."
    )


class EmployerApplicationList(Strict):
    offer_id: str
    offer_title: str
    emailed_to: str | None = Field(
        description="The address you gave for applications (each is emailed there once); none: "
        "you read them here."
    )
    items: list[ApplicationForEmployer] = Field(description="Applications, newest first.")


class OfferApplicationDelivery(Strict):
    """What the notifier needs to email an application to the employer (internal only)."""

    application_id: str
    offer_id: str
    offer_title: str
    employer_name: str | None
    employer_email: str
    seeker_id: str
    message: str
    consent_to_share_contact: bool
