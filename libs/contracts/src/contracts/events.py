"""Event payloads: past-tense facts, with their topic beside them.

Events carry ids and matching facts only. Names, emails, phone numbers and push tokens stay in the
profiles service: Kafka logs cannot be edited, and erasure must remain possible.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from contracts.envelope import EventPayload
from contracts.fields import (
    Applicant,
    CounsellorInCharge,
    OfferId,
    Part,
    SeekerId,
    SeekerPriority,
    SentAt,
    figures,
)
from contracts.reasons import ReasonParams
from contracts.vocabulary import (
    ClosureReason,
    ContractType,
    ExperienceRequirement,
    FeedbackReason,
    WithdrawalReason,
    WorkingTime,
)

PROFILE_UPDATED = "profile-updated"
PROFILE_DELETED = "profile-deleted"
OFFER_PUBLISHED = "offer-published"
OFFER_CLOSED = "offer-closed"
MATCH_FOUND = "match-found"
MATCH_WITHDRAWN = "match-withdrawn"
FEEDBACK_RECORDED = "feedback-recorded"
INBOX_UPDATED = "inbox-updated"
TRAINING_PUBLISHED = "training-published"
TRAINING_CLOSED = "training-closed"
TRAINING_RECOMMENDED = "training-recommended"
APPLICATION_SUBMITTED = "application-submitted"
OFFER_APPLICATION_SUBMITTED = "offer-application-submitted"
DEAD_LETTER = "dead-letter"


class Place(Part):
    commune_code: str = Field(description="INSEE code of the commune (5 characters).")
    postcode: str | None = Field(default=None, description="Postcode, when known.")
    latitude: float = Field(ge=-90, le=90, description="WGS 84 latitude in degrees.")
    longitude: float = Field(ge=-180, le=180, description="WGS 84 longitude in degrees.")


class TargetOccupation(Part):
    rome_code: str = Field(
        description="ROME code of an occupation the seeker looks for, e.g. K2204."
    )
    priority: SeekerPriority


class WantedContract(Part):
    contract_type: ContractType = Field(description="France Travail contract type code.")
    priority: SeekerPriority


class OfferSkill(Part):
    label: str = Field(description="The skill, in the offer's words.")
    required: bool = Field(description="True when required, false when only wished.")


class SeekerFacts(Part):
    """What matching needs to know about a seeker: no name, no contact data."""

    counsellor_id: str | None = Field(default=None, description="Counsellor in charge, if any.")
    occupations: list[TargetOccupation] = Field(
        description="Wanted occupations (ROME), by priority."
    )
    skills: list[str] = Field(default_factory=list, description="Skills the seeker has.")
    experience_years: int = Field(default=0, ge=0, le=60, description="Years of work experience.")
    qualification: int | None = Field(
        default=None, ge=1, le=9, description="France Travail qualification level, 1 to 9."
    )
    languages: list[str] = Field(default_factory=list, description="Spoken languages, ISO 639-1.")
    driving_licences: list[str] = Field(default_factory=list, description="Licence categories.")
    place: Place = Field(description="Where the seeker lives.")
    radius_km: int = Field(ge=0, le=200, description="How far the seeker is ready to travel.")
    contract_types: list[WantedContract] = Field(description="Wanted contracts, by priority.")
    working_time: WorkingTime = Field(default=WorkingTime.ANY, description="Wanted working time.")
    min_monthly_salary_eur: int | None = Field(
        default=None, ge=0, description="Lowest acceptable gross monthly salary, in euros."
    )
    available_from: date | None = Field(default=None, description="First day the seeker can start.")
    needs_support: bool = Field(default=False, description="Seeker flagged as needing support.")
    no_smartphone: bool = Field(
        default=False, description="Seeker has no smartphone: alerts go through the counsellor."
    )
    review_before_send: bool = Field(
        default=False, description="Alerts wait for the counsellor's approval before going out."
    )
    accessibility_needs: bool = Field(default=False, description="Seeker has accessibility needs.")
    consent_to_matching: bool = Field(
        default=True, description="The seeker agreed to receive suggestions."
    )


class ProfileUpdated(EventPayload, SeekerFacts, event_type=PROFILE_UPDATED, key="seeker_id"):
    """A seeker's matching facts changed (or were set for the first time)."""

    seeker_id: str = Field(description="Opaque id of the seeker.")
    version: int = Field(ge=1, description="Profile version; grows with every material change.")


class ProfileDeleted(EventPayload, event_type=PROFILE_DELETED, key="seeker_id"):
    """A seeker erased their account: every service purges what it holds about them."""

    seeker_id: str = Field(description="Opaque id of the erased seeker.")
    deleted_at: datetime = Field(description="When the erasure was requested.")


class OfferPublished(EventPayload, event_type=OFFER_PUBLISHED, key="offer_id"):
    """An offer was published, or materially changed (then with a higher version)."""

    offer_id: str = Field(description="Offer id (France Travail's id for imported offers).")
    version: int = Field(ge=1, description="Offer version; grows with every material change.")
    title: str = Field(description="Offer title (intitulé).")
    rome_code: str = Field(description="ROME code of the occupation.")
    job_title: str | None = Field(default=None, description="Job title (appellation) label.")
    place: Place = Field(description="Work place.")
    contract_type: ContractType = Field(description="France Travail contract type code.")
    working_time: WorkingTime = Field(description="Full or part time.")
    experience_required: ExperienceRequirement = Field(description="D, S or E.")
    experience_months: int = Field(default=0, ge=0, description="Experience asked for, in months.")
    qualification: int | None = Field(default=None, ge=1, le=9, description="Qualification, 1-9.")
    skills: list[OfferSkill] = Field(default_factory=list, description="Skills required or wished.")
    languages: list[str] = Field(default_factory=list, description="Languages asked, ISO 639-1.")
    driving_licences: list[str] = Field(default_factory=list, description="Licences asked.")
    salary_min_monthly_eur: int | None = Field(default=None, ge=0, description="Parsed minimum.")
    salary_max_monthly_eur: int | None = Field(default=None, ge=0, description="Parsed maximum.")
    salary_text: str | None = Field(default=None, description="Salary as the employer wrote it.")
    positions: int = Field(default=1, ge=1, description="Number of positions to fill.")
    employer_name: str | None = Field(default=None, description="Employer's trade name.")
    open_to_disabled_workers: bool = Field(
        default=False, description="Accessible to disabled workers."
    )
    published_at: datetime = Field(description="Creation date of the offer.")
    valid_until: datetime | None = Field(default=None, description="The offer closes after this.")
    origin: str = Field(description="Where the offer came from: employer, france-travail, partner.")


class OfferClosed(EventPayload, event_type=OFFER_CLOSED, key="offer_id"):
    """An offer no longer takes candidates."""

    offer_id: str = Field(description="Id of the closed offer.")
    reason: ClosureReason = Field(description="filled, withdrawn or expired.")
    closed_at: datetime = Field(description="When the offer closed.")


class Reason(Part):
    """One reason for (or against) a match: a code and the figures that say it. The wording
    catalogue (`libs/wording`) renders it in the reader's language."""

    code: str = Field(
        description="Stable code (`contracts.reasons.MatchReasonCode`), e.g. occupation_exact, "
        "distance_within_radius."
    )
    params: ReasonParams = figures("distance_km, radius_km, rome_code, contract_type, ...")
    text: str = Field(
        default="",
        deprecated="Render code and params through the wording catalogue.",
        description="Deprecated: the reason in French, rendered by the producer from code and "
        "params, for consumers of the previous version only; readers render code and params in "
        "their own language. Producers fill it for one more release, then stop.",
    )


class MatchFound(EventPayload, event_type=MATCH_FOUND, key="seeker_id"):
    """An offer suits a seeker (new, or its score or reasons changed materially)."""

    seeker_id: SeekerId
    offer_id: OfferId
    offer_version: int = Field(ge=1, description="Version of the offer that was scored.")
    profile_version: int = Field(ge=1, description="Version of the profile that was scored.")
    score: float = Field(ge=0, le=1, description="Match score in [0, 1]; higher is better.")
    reasons: list[Reason] = Field(description="Why this offer suits the seeker.")
    missing: list[Reason] = Field(default_factory=list, description="What does not fit yet.")
    offer_title: str = Field(description="Title of the offer, for the alert.")
    rome_code: str = Field(description="Occupation of the offer.")
    distance_km: float = Field(ge=0, description="Distance from the seeker's home to the offer.")
    counsellor_id: CounsellorInCharge = None
    needs_review: bool = Field(
        description="The alert must wait for the counsellor's approval before reaching the seeker."
    )
    via_counsellor: bool = Field(
        default=False, description="No smartphone: the alert goes through the counsellor."
    )
    strong: bool = Field(default=False, description="A strong match: worth the counsellor's eye.")


class MatchWithdrawn(EventPayload, event_type=MATCH_WITHDRAWN, key="seeker_id"):
    """A match no longer holds: the offer closed, or the profile changed, or the seeker said no."""

    seeker_id: SeekerId
    offer_id: OfferId
    reason: WithdrawalReason = Field(description="Why the match was withdrawn.")


class FeedbackRecorded(EventPayload, event_type=FEEDBACK_RECORDED, key="seeker_id"):
    """A seeker said an offer is not for them, and why."""

    seeker_id: SeekerId
    offer_id: str = Field(description="The offer they turned down.")
    reason: FeedbackReason = Field(description="Why it is not for them.")
    counsellor_id: CounsellorInCharge = None
    recorded_at: datetime = Field(description="When the seeker said so.")


class InboxUpdated(EventPayload, event_type=INBOX_UPDATED, key="recipient"):
    """A notification was added to (or changed in) an inbox: every notifier replica wakes streams.

    Carries ids only; the stream reads the notification itself from the notifier's store.
    """

    recipient: str = Field(description="Whose inbox: 'seeker:<id>' or 'counsellor:<id>'.")
    notification_id: str = Field(description="The notification added or changed.")
    seq: int = Field(ge=1, description="Its position in the recipient's inbox stream.")


class TrainingPublished(EventPayload, event_type=TRAINING_PUBLISHED, key="session_id"):
    """A training session was published, or its matching facts changed (then with a higher
    version). One session of one action of one formation, as LHEO describes them."""

    session_id: str = Field(description="Session id: formation, action and session numbers.")
    formation_id: str = Field(description="The formation's number in the LHEO export.")
    action_id: str = Field(description="The action's number in the LHEO export.")
    version: int = Field(ge=1, description="Session version; grows with every material change.")
    title: str = Field(description="Title of the formation (intitulé).")
    rome_codes: list[str] = Field(
        default_factory=list, description="ROME occupations it leads to (none: match on codes)."
    )
    formacodes: list[str] = Field(
        default_factory=list, description="FORMACODE subjects; the first is the main one."
    )
    nsf_codes: list[str] = Field(default_factory=list, description="NSF specialities.")
    place: Place = Field(description="Where the training takes place.")
    starts_on: date | None = Field(default=None, description="First day, when known.")
    ends_on: date | None = Field(default=None, description="Last day, when known.")
    recruiting: bool = Field(
        description="False when the body says recruitment is closed or suspended (full)."
    )
    funding_possible: bool = Field(
        description="The body says the costs can be covered (prise-en-charge-frais-possible)."
    )
    funders: list[str] = Field(
        default_factory=list,
        description="Funder codes of LHEO's dict-financeurs (4: France Travail).",
    )
    exit_level: str | None = Field(
        default=None, description="Level reached, code of LHEO's dict-niveaux."
    )
    certifying: bool = Field(description="Leads to a certification.")
    rncp_code: str | None = Field(default=None, description="RNCP code of the certification.")
    hours: int | None = Field(default=None, ge=0, description="Total hours, when known.")


class TrainingClosed(EventPayload, event_type=TRAINING_CLOSED, key="session_id"):
    """A training session no longer takes trainees: its dates are past."""

    session_id: str = Field(description="Id of the closed session.")
    reason: str = Field(description="Why it closed: `ended` (its dates are past).")
    closed_at: datetime = Field(description="When the session closed.")


class TrainingRecommended(EventPayload, event_type=TRAINING_RECOMMENDED, key="seeker_id"):
    """A counsellor recommended a training session to a seeker of their caseload: the notifier
    tells the seeker. Ids, the session's public facts (its title, place and first day, so that
    the alert needs no call back) and the counsellor's note; no contact data."""

    recommendation_id: str = Field(description="The recommendation: `{seeker_id}#{session_id}`.")
    seeker_id: str = Field(description="The seeker it is recommended to.")
    session_id: str = Field(description="The training session.")
    counsellor_id: str = Field(description="The counsellor who recommends it.")
    note: str | None = Field(
        default=None, max_length=1000, description="The counsellor's words to the seeker."
    )
    title: str = Field(description="Title of the training.")
    city: str | None = Field(default=None, description="Where it takes place.")
    starts_on: date | None = Field(default=None, description="Its first day.")
    recommended_at: datetime = Field(description="When the counsellor recommended it.")


class ApplicationSubmitted(EventPayload, event_type=APPLICATION_SUBMITTED, key="application_id"):
    """A seeker sent a spontaneous application to a company that has an address for it: the
    notifier emails it once. Ids only: the notifier asks the companies service for the address
    and the message, and the profiles service for the seeker's contact when they consented."""

    application_id: str = Field(description="The application, in the companies service.")
    seeker_id: Applicant
    siret: str = Field(description="The establishment applied to.")
    submitted_at: SentAt


class OfferApplicationSubmitted(
    EventPayload, event_type=OFFER_APPLICATION_SUBMITTED, key="application_id"
):
    """A seeker applied through Tremplin to an offer an employer published there: the notifier
    emails it once when the employer gave an address for applications. Ids only: the notifier
    asks the offers service for the address and the message, and the profiles service for the
    seeker's contact when they consented."""

    application_id: str = Field(description="The application, in the offers service.")
    offer_id: str = Field(description="The offer applied to.")
    seeker_id: Applicant
    employer_id: str = Field(description="The employer account that published the offer.")
    submitted_at: SentAt


EVENT_TYPES: tuple[type[EventPayload], ...] = (
    ProfileUpdated,
    ProfileDeleted,
    OfferPublished,
    OfferClosed,
    MatchFound,
    MatchWithdrawn,
    FeedbackRecorded,
    InboxUpdated,
    TrainingPublished,
    TrainingClosed,
    ApplicationSubmitted,
    TrainingRecommended,
    OfferApplicationSubmitted,
)
ALL_TOPICS: tuple[str, ...] = (*(event.topic for event in EVENT_TYPES), DEAD_LETTER)
# Compacted topics: a record with the same key and no value (a tombstone) removes the earlier ones
# from the log. profile-updated is keyed by the seeker, the dead letters by the original key
# followed by `/` and where the letter came from: an erasure tombstones them (docs/reliability.md).
COMPACTED_TOPICS: frozenset[str] = frozenset({PROFILE_UPDATED, DEAD_LETTER})


def topic_name(base: str, suffix: str = "") -> str:
    """The topic's name on the broker; tests add a suffix so that each run has its own topics."""
    return f"{base}{suffix}"
