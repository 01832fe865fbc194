"""Companies likely to hire, over HTTP: what the companies service and the gateway answer."""

from __future__ import annotations

from pydantic import Field

from contracts.fields import (
    Applicant,
    ApplicationId,
    ApplicationMessage,
    SaidInEnglish,
    SaidInFrench,
    SeekerMessage,
    Strict,
    coded_as,
    figures,
)
from contracts.reasons import CompanyReasonCode, ReasonParams

SIRET_PATTERN = r"^[0-9]{14}$"
SIRET_FORMAT = "siret"


class RejectedRow(Strict):
    line: int = Field(description="Line of the file (the header is line 1).")
    siret: str | None = Field(description="The row's SIRET, when it has a readable one.")
    column: str = Field(description="Column of La Bonne Boîte's format that is wrong.")
    reason: str = Field(description="What is wrong, and what a right value looks like.")


class CompanyImportResult(Strict):
    accepted: int = Field(description="New establishments.")
    updated: int = Field(description="Establishments already known whose facts changed.")
    unchanged: int = Field(description="Establishments already known with the same facts.")
    rejected: list[RejectedRow] = Field(description="Rows not imported, and why.")


class CompaniesQuery(Strict):
    """A seeker's needs, as the profiles service holds them (the gateway reads them there)."""

    seeker_id: str = Field(min_length=1, max_length=200, description="Opaque id of the seeker.")
    occupations: list[str] = Field(
        min_length=1,
        max_length=5,
        description="Wanted occupations (ROME codes), first choice first.",
    )
    latitude: float = Field(ge=-90, le=90, description="Where the seeker lives (WGS 84).")
    longitude: float = Field(ge=-180, le=180, description="Where the seeker lives (WGS 84).")
    radius_km: float = Field(ge=0, le=200, description="How far the seeker is ready to travel.")
    experience_years: int = Field(default=0, ge=0, le=60, description="Years of experience.")
    accessibility_needs: bool = Field(
        default=False, description="The seeker said they have accessibility needs."
    )
    limit: int = Field(default=20, ge=1, le=50, description="How many companies at most.")


class CompanyReason(Strict):
    code: str = coded_as(CompanyReasonCode, "`sector_hires`, `distance`, `flag_...`.")
    params: ReasonParams = figures("rome_code, naf, share_pct, expected_hires, distance_km")
    # Empty from the service itself: the gateway renders both from code and params.
    fr: SaidInFrench
    en: SaidInEnglish


class CompanyOut(Strict):
    siret: str = Field(description="SIRET of the establishment (14 digits).")
    name: str = Field(description="Its sign, else its registered name.")
    naf: str = Field(description="Its sector (NAF code).")
    naf_label: str = Field(description="Its sector, in words.")
    headcount: str | None = Field(description="Its headcount band, e.g. `10-19`, when known.")
    address: str = Field(description="Street address.")
    postcode: str = Field(description="Postcode.")
    commune_code: str = Field(description="INSEE code of its commune.")
    distance_km: float = Field(description="From the seeker's home, as the crow flies.")
    rome_code: str = Field(description="The seeker's occupation it is likely to hire for.")
    expected_hires: float = Field(
        description="Hires expected for that occupation (predicted hires × the occupation's "
        "share of its sector's hires), one decimal."
    )
    hiring_flags: list[str] = Field(
        description="Hiring flags that fit the seeker: apprenticeship, junior, senior, "
        "disability_friendly."
    )
    reasons: list[CompanyReason] = Field(description="Why it is suggested, in plain words.")


class CompanyList(Strict):
    items: list[CompanyOut] = Field(description="Companies likely to hire, best first.")
    total_in_reach: int = Field(
        description="Establishments within the radius whose sector hires the occupations."
    )


class AttentionReport(Strict):
    period: str = Field(description="The current attention period.")
    seekers: int = Field(description="Seekers shown companies in the period.")
    companies_shown: int = Field(description="Companies shown to at least one seeker.")
    views: int = Field(description="Seeker-company pairs shown (each seeker counts once).")
    over_capacity: int = Field(
        description="Companies shown to more seekers than their expected hires justify."
    )
    load_p50: float = Field(description="Median load (seekers shown to / capacity).")
    load_p90: float
    load_p99: float
    load_max: float
    busiest: list[dict[str, str | int]] = Field(
        description="The ten most loaded companies: siret, seekers, capacity."
    )


class ApplicationIn(Strict):
    message: ApplicationMessage = Field(
        description="Your message to the company: who you are, what you can do for it."
    )
    consent_to_share_contact: bool = Field(
        description="Whether the company may receive your email address to answer you."
    )


class ApplicationOut(Strict):
    application_id: ApplicationId
    seeker_id: Applicant
    siret: str = Field(description="The establishment applied to.")
    company_name: str = Field(description="Its name.")
    naf_label: str = Field(description="Its sector, in words.")
    message: SeekerMessage
    consent_to_share_contact: bool
    route: str = Field(
        description="`sent_to_company`: emailed to the company once; `kept_for_counsellor`: "
        "the company has no address for it, the counsellor passes it on."
    )
    created_at: str = Field(description="When it was sent (ISO 8601, UTC).")
    notice: str = Field(
        description="Reminder that a spontaneous application answers no published offer."
    )


class ApplicationList(Strict):
    items: list[ApplicationOut] = Field(description="Applications, newest first.")


class OptOutIn(Strict):
    reason: str = Field(
        min_length=3, max_length=500, description="Why the company wants no more applications."
    )


class CompanyStatusOut(Strict):
    siret: str
    status: str = Field(description="`open`, `opted_out` or `closed`.")
    reason: str | None = Field(default=None, description="The reason kept with the status.")


class ApplicationDelivery(Strict):
    """What the notifier needs to email an application to the company (internal only)."""

    application_id: str
    siret: str
    company_name: str
    company_email: str
    seeker_id: str
    message: str
    consent_to_share_contact: bool
