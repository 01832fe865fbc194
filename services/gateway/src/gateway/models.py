"""What the public API accepts and returns: allow-lists, nothing more.

A seeker writes only the fields listed in `MyProfileIn` (never their counsellor, their support
flags or their role); responses carry only the fields listed here, whatever a service adds.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    field_validator,
    model_validator,
)

from contracts import TargetOccupation, WantedContract
from contracts.fields import iso_weekdays
from contracts.offers import CommuneCode, OptionalPostcode, RomeCode
from contracts.patches import partial
from contracts.vocabulary import (
    Category,
    Channel,
    ContractType,
    FeedbackReason,
    Frequency,
    WorkingTime,
)
from servicekit.auth import Role

TIME_ZONE_FORMAT = "time-zone"
TIME_ZONES = frozenset(available_timezones())
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
LICENCES = ("AM", "A1", "A2", "A", "B", "BE", "B96", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Numbers and booleans as JSON has them: "5" is not a number, 0 is not false.
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Priority = Annotated[Int, Field(ge=1, le=5, description="1 is your first choice.")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Licence(StrEnum):
    AM = "AM"
    A1 = "A1"
    A2 = "A2"
    A = "A"
    B = "B"
    BE = "BE"
    B96 = "B96"
    C1 = "C1"
    C1E = "C1E"
    C = "C"
    CE = "CE"
    D1 = "D1"
    D1E = "D1E"
    D = "D"
    DE = "DE"


def known_time_zone(value: str) -> str:
    if value not in TIME_ZONES:
        raise ValueError(f"unknown time zone {value!r}: use an IANA name such as Europe/Paris")
    return value


TimeZone = Annotated[
    str,
    AfterValidator(known_time_zone),
    Field(json_schema_extra={"format": TIME_ZONE_FORMAT}, description="IANA time zone."),
]


class ContactIn(_In):
    first_name: str = Field(min_length=1, max_length=100, examples=["Amina"])
    last_name: str = Field(min_length=1, max_length=100, examples=["Diallo"])
    email: str | None = Field(
        default=None,
        max_length=254,
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        examples=["amina@example.org"],
    )
    phone: str | None = Field(
        default=None, pattern=r"^\+?[0-9 .\-]{6,20}$", examples=["+33 6 12 34 56 78"]
    )
    push_token: str | None = Field(default=None, max_length=4096)


class PlaceIn(_In):
    commune_code: CommuneCode = Field(
        description="INSEE code of a French commune.",
        examples=["69123"],
    )
    postcode: OptionalPostcode = Field(
        default=None,
        description="One of the commune's postcodes (its first one when absent).",
        examples=["69001"],
    )
    latitude: float | None = Field(
        default=None, ge=-90, le=90, description="WGS 84; the commune's own when absent."
    )
    longitude: float | None = Field(
        default=None, ge=-180, le=180, description="WGS 84; the commune's own when absent."
    )

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self


class OccupationIn(_In):
    rome_code: RomeCode = Field(
        description="ROME code of an occupation you look for, from the ROME referential.",
        examples=["K2204"],
    )
    priority: Priority


class WantedContractIn(_In):
    contract_type: ContractType = Field(description="France Travail contract type code.")
    priority: Priority


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
    time_zone: TimeZone = "Europe/Paris"
    occupations: list[OccupationIn] = Field(
        min_length=1, max_length=5, description="1 to 5 occupations, each ROME code once."
    )
    skills: list[str] = Field(default_factory=list, max_length=50)
    experience_years: Int = Field(default=0, ge=0, le=60)
    qualification: Int | None = Field(default=None, ge=1, le=9)
    languages: list[str] = Field(
        default_factory=list,
        max_length=20,
        json_schema_extra={"items": {"type": "string", "pattern": "^[a-z]{2}$"}},
        description="Spoken languages, ISO 639-1 codes (`en`).",
    )
    driving_licences: list[Licence] = Field(default_factory=list, max_length=15)
    place: PlaceIn
    radius_km: Int = Field(ge=0, le=200)
    contract_types: list[WantedContractIn] = Field(
        min_length=1, max_length=10, description="1 to 10 contract types, each one once."
    )
    working_time: WorkingTime = WorkingTime.ANY
    min_monthly_salary_eur: Int | None = Field(default=None, ge=0, le=1_000_000)
    available_from: date | None = None
    no_smartphone: Bool = False
    accessibility_needs: Bool = False
    consent_to_matching: Bool = True

    @field_validator("languages")
    @classmethod
    def _iso_639_1(cls, value: list[str]) -> list[str]:
        for language in value:
            if len(language) != 2 or not language.isascii() or not language.isalpha():
                raise ValueError(f"{language!r} is not an ISO 639-1 code such as 'en'")
            if not language.islower():
                raise ValueError(f"{language!r}: write the code in lower case")
        return value

    @model_validator(mode="after")
    def _each_once(self) -> Self:
        codes = [o.rome_code for o in self.occupations]
        if len(set(codes)) != len(codes):
            raise ValueError("occupations: each ROME code may appear only once")
        kinds = [c.contract_type for c in self.contract_types]
        if len(set(kinds)) != len(kinds):
            raise ValueError("contract_types: each contract type may appear only once")
        return self


SEEKER_WRITABLE = frozenset(MyProfileIn.model_fields)


class QuietHours(_In):
    start: str = Field(pattern=TIME_PATTERN, description="Local time they begin, e.g. 21:00.")
    end: str = Field(
        pattern=TIME_PATTERN, description="Local time they end, e.g. 08:00; differs from start."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if self.start == self.end:
            raise ValueError("quiet hours: start and end must differ (null: no quiet hours)")
        return self


class SeekerPreferencesIn(_In):
    """How and when you are told. The inbox always receives."""

    channels: dict[Category, list[Channel]] = Field(
        default_factory=dict,
        description="Channels for each category of notification; a category left out keeps "
        "its default channels.",
    )
    frequency: Frequency = Field(default=Frequency.INSTANT, description="Or a daily/weekly digest.")
    quiet_hours: QuietHours | None = Field(
        default_factory=lambda: QuietHours(start="21:00", end="08:00"),
        description="No push, SMS or email in this window (your time zone); null: none.",
    )
    max_push_per_hour: Int = Field(default=3, ge=1, le=60)


class WorkingHoursIn(_In):
    days: list[Int] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        min_length=1,
        max_length=7,
        json_schema_extra={"items": {"type": "integer", "minimum": 1, "maximum": 7}},
        description="Working days, ISO numbers: 1 = Monday ... 7 = Sunday.",
    )
    start: str = Field(default="09:00", pattern=TIME_PATTERN, description="Day starts, 09:00.")
    end: str = Field(default="17:00", pattern=TIME_PATTERN, description="Ends, after start.")
    time_zone: TimeZone = "Europe/Paris"

    @field_validator("days")
    @classmethod
    def _iso_days(cls, value: list[int]) -> list[int]:
        return iso_weekdays(value)

    @model_validator(mode="after")
    def _start_before_end(self) -> Self:
        if self.start >= self.end:
            raise ValueError("working hours: start must be before end")
        return self


class CounsellorPreferencesIn(_In):
    """When your daily digest arrives (as your working day starts) and in which language."""

    working_hours: WorkingHoursIn = Field(default_factory=WorkingHoursIn)
    language: str = Field(default="fr", pattern="^(fr|en)$")
    daily_digest: Bool = Field(default=True, description="False: no daily digest at all.")


def whole(model: BaseModel) -> dict[str, Any]:
    """The fields a partial update gives, each whole (absent nested fields as their default)."""
    dumped = model.model_dump(mode="json")
    return {name: dumped[name] for name in model.model_fields_set}


MyProfilePatch: type[BaseModel] = partial(
    MyProfileIn,
    "MyProfilePatch",
    "Fields of your profile to change; each one given replaces its value whole.",
)


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
    enabled: Bool = Field(description="Alerts wait for the counsellor's approval when true.")


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
    what: str = Field(
        description="What they looked at: profile, recommendations, companies or applications."
    )
    at: datetime


class DevTokenIn(_In):
    sub: str = Field(min_length=1, max_length=100, examples=["s-1"])
    role: Role = Field(examples=["seeker"])
    name: str | None = Field(default=None, max_length=100, examples=["Amina Diallo"])


class DevTokenOut(_Out):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
