"""HTTP models of the trainings service, shared with the gateway."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from contracts.events import Place
from contracts.fields import SaidInEnglish, SaidInFrench, Strict, coded_as, figures
from contracts.reasons import ProposalReasonCode, ReasonParams

LHEO_MEDIA_TYPES = ("application/xml", "text/xml")


class TrainingIssue(Strict):
    element: str = Field(
        description="Where in the document: formation[numero=…]/action[numero=…]/session[…]/…"
    )
    id: str | None = Field(description="Number of the formation, action or session at fault.")
    reason: str = Field(description="What is wrong or missing, in plain words.")


class TrainingImportResult(Strict):
    accepted: int = Field(ge=0, description="New sessions (those already ended are kept closed).")
    updated: int = Field(ge=0, description="Known sessions whose facts changed.")
    unchanged: int = Field(ge=0, description="Known sessions with the same facts.")
    rejected: int = Field(ge=0, description="Sessions not imported (see `rejections`).")
    closed: int = Field(ge=0, description="Of the new sessions, those already past their dates.")
    rejections: list[TrainingIssue] = Field(
        description="Why records were rejected (the first 1,000)."
    )
    notices: list[TrainingIssue] = Field(
        description="Records imported with a remark, e.g. no ROME code (the first 1,000)."
    )


class TrainingSession(Strict):
    id: str = Field(description="formation:action:session numbers.")
    formation_id: str
    action_id: str
    title: str
    rome_codes: list[str] = Field(description="Occupations it leads to; empty when unknown.")
    formacodes: list[str] = Field(description="FORMACODE subjects, the main one first.")
    nsf_codes: list[str]
    place: Place
    city: str | None
    starts_on: date | None
    ends_on: date | None
    recruiting: bool = Field(description="False when recruitment is closed or suspended.")
    funding_possible: bool
    funders: list[str] = Field(description="Funder codes of LHEO's dict-financeurs.")
    exit_level: str | None
    certifying: bool
    rncp_code: str | None
    hours: int | None
    price_eur: float | None
    body_name: str | None = Field(description="The training body.")
    url: str | None = Field(description="The body's page for this training.")


class TrainingSessionView(Strict):
    session: TrainingSession
    version: int = Field(ge=1)
    status: Literal["open", "closed"]
    closed_at: datetime | None


class NearMatchIn(Strict):
    score: float = Field(ge=0, le=1, description="The suggestion's score.")
    missing: list[str] = Field(
        max_length=50, description="Codes of what it lacks, e.g. licence_missing."
    )


class ProposalRequest(Strict):
    """What the proposals need of a seeker, gathered by the gateway: no name, no contact data."""

    seeker_id: str | None = Field(
        default=None,
        max_length=200,
        description="Whose proposals: those their counsellor dismissed are left out, those "
        "recommended say so. None: computed for anyone, nothing left out.",
    )
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    radius_km: int = Field(ge=0, le=200)
    occupations: list[str] = Field(max_length=5, description="Target ROME codes.")
    near_matches: list[NearMatchIn] = Field(max_length=500)


class ProposalReason(Strict):
    code: str = coded_as(
        ProposalReasonCode, "gap_<what is missing>, leads_to_target, session, funding…"
    )
    params: ReasonParams = figures("count, near, city, distance_km, starts_on, days, funders...")
    # Empty from the service itself: the gateway renders both from code and params.
    fr: SaidInFrench
    en: SaidInEnglish


class TrainingProposal(Strict):
    session: TrainingSession
    distance_km: float = Field(ge=0)
    fills: str | None = Field(
        description="What the near-matches miss that it gives (a reason code), or null when it "
        "leads to the seeker's target occupation."
    )
    reasons: list[ProposalReason]
    recommendation: TrainingRecommendationView | None = Field(
        default=None, description="The counsellor's recommendation of this session, if any."
    )


NOTE_MAX = 1000
DISMISS_REASON_MAX = 500


class RecommendationIn(Strict):
    note: str | None = Field(
        default=None,
        max_length=NOTE_MAX,
        description="Your words to the seeker, sent with the alert (at most 1,000 characters).",
    )


class DismissalIn(Strict):
    reason: str | None = Field(
        default=None,
        max_length=DISMISS_REASON_MAX,
        description="Why it does not fit (kept for you; the seeker is not told).",
    )


class TrainingRecommendationView(Strict):
    seeker_id: str
    session_id: str
    state: Literal["recommended", "dismissed"] = Field(
        description="recommended: the seeker was alerted once; dismissed: shown to no one."
    )
    counsellor_id: str = Field(description="Who decided.")
    note: str | None = Field(description="The counsellor's note to the seeker (recommended).")
    reason: str | None = Field(description="Why it was dismissed (dismissed).")
    decided_at: datetime


TrainingProposal.model_rebuild()
