"""What the public API accepts and returns: allow-lists, nothing more.

A seeker writes only the fields listed in `MyProfileIn` (never their counsellor, their support
flags or their role); responses carry only the fields listed here, whatever a service adds.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from contracts import TargetOccupation, WantedContract
from contracts.vocabulary import FeedbackReason, WorkingTime
from servicekit.auth import Role


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ContactIn(_In):
    first_name: str = Field(min_length=1, max_length=100, examples=["Amina"])
    last_name: str = Field(min_length=1, max_length=100, examples=["Diallo"])
    email: str | None = Field(default=None, max_length=254, examples=["amina@example.org"])
    phone: str | None = Field(default=None, max_length=20, examples=["+33 6 12 34 56 78"])
    push_token: str | None = Field(default=None, max_length=4096)


class PlaceIn(_In):
    commune_code: str = Field(description="INSEE code of the commune.", examples=["69123"])
    postcode: str | None = Field(default=None, examples=["69001"])
    latitude: float | None = None
    longitude: float | None = None


class MyProfileIn(_In):
    """The profile as a seeker may write it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contact": {
                        "first_name": "Amina",
                        "last_name": "Diallo",
                        "email": "amina@example.org",
                    },
                    "occupations": [{"rome_code": "K2204", "priority": 1}],
                    "place": {"commune_code": "69123"},
                    "radius_km": 15,
                    "contract_types": [{"contract_type": "CDI", "priority": 1}],
                    "working_time": "full_time",
                }
            ]
        },
    )

    contact: ContactIn
    language: str = Field(default="fr", pattern="^(fr|en)$")
    time_zone: str = "Europe/Paris"
    occupations: list[TargetOccupation] = Field(max_length=5)
    skills: list[str] = Field(default_factory=list, max_length=50)
    experience_years: int = Field(default=0, ge=0, le=60)
    qualification: int | None = Field(default=None, ge=1, le=9)
    languages: list[str] = Field(default_factory=list, max_length=20)
    driving_licences: list[str] = Field(default_factory=list, max_length=15)
    place: PlaceIn
    radius_km: int = Field(ge=0, le=200)
    contract_types: list[WantedContract] = Field(max_length=10)
    working_time: WorkingTime = WorkingTime.ANY
    min_monthly_salary_eur: int | None = Field(default=None, ge=0)
    available_from: date | None = None
    no_smartphone: bool = False
    accessibility_needs: bool = False
    consent_to_matching: bool = True


SEEKER_WRITABLE = frozenset(MyProfileIn.model_fields)


class ContactOut(_Out):
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    push_token: str | None = None


class PlaceOut(_Out):
    commune_code: str
    postcode: str | None = None
    latitude: float
    longitude: float


class ProfileOut(_Out):
    contact: ContactOut
    language: str
    time_zone: str
    occupations: list[TargetOccupation]
    skills: list[str]
    experience_years: int
    qualification: int | None = None
    languages: list[str]
    driving_licences: list[str]
    place: PlaceOut
    radius_km: int
    contract_types: list[WantedContract]
    working_time: WorkingTime
    min_monthly_salary_eur: int | None = None
    available_from: date | None = None
    no_smartphone: bool
    accessibility_needs: bool
    consent_to_matching: bool
    counsellor_id: str | None = Field(default=None, description="Set by counsellors only.")
    needs_support: bool = Field(default=False, description="Set by counsellors only.")
    review_before_send: bool = Field(default=False, description="Set by counsellors only.")


class StoredProfileOut(_Out):
    seeker_id: str
    version: int
    updated_at: datetime
    profile: ProfileOut


class CaseloadEntryOut(_Out):
    seeker_id: str
    first_name: str
    last_name: str
    occupations: list[str]
    commune_code: str
    needs_support: bool
    no_smartphone: bool
    review_before_send: bool
    updated_at: datetime


class CaseloadOut(_Out):
    total: int
    page: int
    page_size: int
    seekers: list[CaseloadEntryOut]


class FeedbackIn(_In):
    reason: FeedbackReason = Field(description="Why the offer is not for the seeker.")


class ReviewSwitch(_In):
    enabled: bool = Field(description="Alerts wait for the counsellor's approval when true.")


class CounsellorChange(_In):
    counsellor_id: str | None = Field(description="Who takes the seeker on; null to release them.")
    reason: str = Field(min_length=3, max_length=500, description="Why, for the seeker's file.")


class HeldAlertDecision(_In):
    note: str | None = Field(
        default=None, max_length=500, description="A personal word for the seeker (approve only)."
    )


class AccessEntry(_Out):
    by: str = Field(description="Id of the counsellor who looked.")
    name: str | None = Field(default=None, description="Their name, when known.")
    what: str = Field(description="What they looked at: profile or recommendations.")
    at: datetime


class DevTokenIn(_In):
    sub: str = Field(min_length=1, max_length=100, examples=["s-1"])
    role: Role = Field(examples=["seeker"])
    name: str | None = Field(default=None, max_length=100, examples=["Amina Diallo"])


class DevTokenOut(_Out):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
