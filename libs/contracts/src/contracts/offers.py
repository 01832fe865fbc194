"""Job offers over HTTP: what employers send, what the offers service and the gateway answer.

France Travail's "Offres d'emploi v2" in English names; the offers service checks these facts
against the reference data (ROME codes, communes), the gateway publishes these schemas.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from contracts.events import Place
from contracts.patches import PATCH_CONFIG, optional_fields
from contracts.vocabulary import ClosureReason, ContractType, ExperienceRequirement, WorkingTime

ROME_PATTERN = r"^[A-N]\d{4}$"
OFFER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
COMMUNE_PATTERN = r"^(\d{5}|2[AB]\d{3})$"
ROME_FORMAT = "rome-code"
COMMUNE_FORMAT = "insee-commune"
POSTCODE_PATTERN = r"^\d{5}$"
POSTCODE_FORMAT = "fr-postcode"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# Codes of the reference data, checked by their pattern and named by their format in the schemas
# (a format applies to the whole field: on an optional one it stands beside `anyOf`, not in it).
RomeCode = Annotated[str, Field(pattern=ROME_PATTERN, json_schema_extra={"format": ROME_FORMAT})]
CommuneCode = Annotated[
    str, Field(pattern=COMMUNE_PATTERN, json_schema_extra={"format": COMMUNE_FORMAT})
]
OptionalCommuneCode = Annotated[
    str | None, Field(pattern=COMMUNE_PATTERN, json_schema_extra={"format": COMMUNE_FORMAT})
]
OptionalPostcode = Annotated[
    str | None, Field(pattern=POSTCODE_PATTERN, json_schema_extra={"format": POSTCODE_FORMAT})
]


class Origin(StrEnum):
    EMPLOYER = "employer"
    FRANCE_TRAVAIL = "france-travail"
    PARTNER = "partner"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Skill(_Part):
    code: str | None = Field(default=None, max_length=20, description="France Travail skill code.")
    label: str = Field(min_length=1, max_length=300, description="The skill, in the offer's words.")
    required: bool = Field(default=False, description="Required (true) or only wished (false).")


class Language(_Part):
    code: str = Field(pattern=r"^[a-z]{2}$", description="ISO 639-1 code, e.g. `en`.")
    required: bool = Field(default=False, description="Required (true) or only wished (false).")


class Licence(_Part):
    category: str = Field(pattern=r"^[A-Z][A-Z0-9]{0,3}$", description="Category: B, C, CE, ...")
    required: bool = Field(default=False, description="Required (true) or only wished (false).")


class Salary(_Part):
    text: str | None = Field(
        default=None, max_length=500, description="The salary as the employer wrote it."
    )
    min_monthly_eur: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Gross monthly minimum, in euros."
    )
    max_monthly_eur: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Gross monthly maximum, in euros."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        low, high = self.min_monthly_eur, self.max_monthly_eur
        if low is not None and high is not None and high < low:
            raise ValueError("max_monthly_eur is below min_monthly_eur")
        return self


class PlaceIn(_Part):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"anyOf": [{"required": ["commune_code"]}, {"required": ["postcode"]}]},
    )

    label: str | None = Field(default=None, max_length=200, description="e.g. `69 - Lyon 3e`.")
    commune_code: OptionalCommuneCode = Field(
        default=None,
        description="INSEE code of a French commune (e.g. 69123); or give `postcode`.",
    )
    postcode: OptionalPostcode = Field(
        default=None,
        description="Postcode of a French commune; finds the commune when its code is missing "
        "or unknown.",
    )
    latitude: float | None = Field(default=None, ge=-90, le=90, description="WGS 84 latitude.")
    longitude: float | None = Field(default=None, ge=-180, le=180, description="WGS 84 longitude.")

    @model_validator(mode="after")
    def _both_coordinates(self) -> Self:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        if self.commune_code is None and self.postcode is None:
            raise ValueError("give a commune code or a postcode")
        return self


class WorkPlace(Place):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(default=None, description="The place as the offer names it.")


class OfferFacts(BaseModel):
    """What an employer or a feed says about an offer (shared by the input and stored forms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200, description="Offer title (intitulé).")
    description: str | None = Field(default=None, max_length=20_000, description="Full text.")
    rome_code: RomeCode = Field(
        description="ROME code of the occupation, from the ROME referential (e.g. K2204).",
    )
    job_title: str | None = Field(
        default=None, max_length=200, description="Job title (appellation) label."
    )
    contract_type: ContractType = Field(description="France Travail contract type code.")
    contract_nature: str | None = Field(
        default=None, max_length=100, description="e.g. `Contrat travail`, `Contrat apprentissage`."
    )
    experience_required: ExperienceRequirement = Field(
        default=ExperienceRequirement.BEGINNER_OK, description="D (beginners welcome), S or E."
    )
    experience_months: int = Field(default=0, ge=0, le=600, description="Experience, in months.")
    qualification: int | None = Field(
        default=None, ge=1, le=9, description="France Travail qualification level, 1 to 9."
    )
    qualification_label: str | None = Field(default=None, max_length=100)
    skills: list[Skill] = Field(default_factory=list, max_length=100)
    languages: list[Language] = Field(default_factory=list, max_length=20)
    driving_licences: list[Licence] = Field(default_factory=list, max_length=20)
    salary: Salary = Field(default_factory=Salary)
    working_time: WorkingTime = Field(default=WorkingTime.ANY, description="Full or part time.")
    working_hours: str | None = Field(
        default=None, max_length=200, description="e.g. `35H Horaires normaux`."
    )
    positions: int = Field(default=1, ge=1, le=10_000, description="Number of positions.")
    employer_name: str | None = Field(default=None, max_length=200, description="Trade name.")
    employer_siret: str | None = Field(
        default=None, pattern=r"^\d{14}$", description="SIRET of the hiring establishment."
    )
    open_to_disabled_workers: bool = Field(
        default=False, description="Accessible to disabled workers (accessibleTH)."
    )
    valid_until: datetime | None = Field(
        default=None,
        description="The offer closes after this; by default a fixed number of days after its "
        "last update.",
    )


class OfferIn(OfferFacts):
    """An offer as an employer publishes it through the gateway."""

    id: str | None = Field(
        default=None,
        pattern=OFFER_ID_PATTERN,
        description="Your id for the offer: publishing it again is harmless. Generated if absent.",
    )
    place: PlaceIn = Field(description="Work place: a commune code or a postcode at least.")
    application_email: str | None = Field(
        default=None,
        max_length=254,
        pattern=EMAIL_PATTERN,
        json_schema_extra={"format": "email"},
        description="Where applications sent through Tremplin are emailed to you, once each. "
        "Optional: without it you read them in Tremplin "
        "(`GET /v1/employer/offers/{offer_id}/applications`). Kept by the offers service only: "
        "never in events, never shown to seekers.",
    )


class Offer(OfferFacts):
    """An offer whose place and occupation were checked against the reference data."""

    id: str = Field(pattern=OFFER_ID_PATTERN, description="Offer id.")
    place: WorkPlace = Field(description="Work place, with coordinates.")
    occupation_label: str | None = Field(default=None, description="ROME label of the occupation.")
    employer_id: str | None = Field(
        default=None, description="Employer account that owns the offer; none for feed imports."
    )
    created_at: datetime = Field(description="Creation date of the offer.")
    updated_at: datetime = Field(description="Last update of the offer.")
    valid_until: datetime = Field(description="The offer closes after this.")
    origin: Origin = Field(description="Where the offer came from.")
    origin_url: str | None = Field(default=None, max_length=2000, description="Partner's URL.")


class OfferStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OfferView(BaseModel):
    offer: Offer
    version: int = Field(description="Grows with every material change; events carry it.")
    status: OfferStatus
    closed_reason: ClosureReason | None = None
    closed_at: datetime | None = None
    distance_km: float | None = Field(
        default=None, description="Distance from the searched commune, in a search by place."
    )


FRANCE_TRAVAIL_OFFER_URL = "https://candidat.francetravail.fr/offres/recherche/detail/{id}"


class ApplyChannel(StrEnum):
    FRANCE_TRAVAIL = "france-travail"
    PARTNER = "partner"
    TREMPLIN = "tremplin"


class HowToApply(BaseModel):
    channel: ApplyChannel = Field(
        description="`france-travail`: on France Travail's page of the offer (imported offers); "
        "`partner`: on the partner's site the offer came from; `tremplin`: the employer "
        "published it on Tremplin and receives applications through the seeker's counsellor."
    )
    url: str | None = Field(
        default=None, description="The page to apply on; none for the `tremplin` channel."
    )


class MissingItem(BaseModel):
    kind: Literal["skill", "language", "driving_licence", "experience"] = Field(
        description="What the offer requires that the seeker's profile does not mention."
    )
    label: str = Field(
        description="The skill in the offer's words, the language (ISO 639-1), the licence "
        "category, or the months of experience asked for."
    )


class OfferDetails(OfferView):
    """An offer as its page shows it: names rather than codes, how to apply and, for a seeker,
    how far it is from home and what their profile lacks."""

    commune_name: str | None = Field(
        default=None, description="Name of the work place's commune (from its INSEE code)."
    )
    how_to_apply: HowToApply
    distance_from_home_km: float | None = Field(
        default=None, description="For a seeker with a profile: as the crow flies from home."
    )
    missing: list[MissingItem] | None = Field(
        default=None,
        description="For a seeker with a profile: what the offer requires that their profile "
        "does not mention (compared as matching does); none for other callers, and when the "
        "profile cannot be read just now.",
    )


class Closure(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal[ClosureReason.FILLED, ClosureReason.WITHDRAWN] = Field(
        description="filled or withdrawn (offers past their validity close by themselves)."
    )


class OfferPage(BaseModel):
    total: int = Field(description="Offers matching the search, over all pages.")
    page: int
    page_size: int
    items: list[OfferView]


class RejectedRecord(BaseModel):
    index: int = Field(description="Position of the record in the batch, from 0.")
    id: str | None = Field(description="The record's `id`, when it has one.")
    field: str = Field(description="Field of the France Travail record that is wrong.")
    reason: str


class ImportResult(BaseModel):
    accepted: int = Field(description="New offers, each published.")
    updated: int = Field(description="Offers whose matching facts changed: a new version each.")
    unchanged: int = Field(description="Offers already known with the same matching facts.")
    rejected: list[RejectedRecord] = Field(description="Records not imported, and why.")


# The fields of `OfferIn` but the id, each optional and never null: what is given replaces the
# current value whole (`place` and `salary` too); what is absent stays as it is. `create_model` is
# called here, not through `contracts.patches.partial`: mypy then takes OfferPatch as a class.
OfferPatch: type[BaseModel] = create_model(
    "OfferPatch",
    __config__=PATCH_CONFIG,
    __doc__="Fields of your offer to change; each one given replaces its current value whole.",
    **optional_fields(OfferIn, leave_out={"id"}),
)
