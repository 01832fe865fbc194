"""The codes of the reasons the producers give: a match's (recommender), a company's (companies),
a training proposal's (trainings). Producers emit a code and its figures, never a sentence; the
wording catalogue (`libs/wording`) says each one in French and English."""

from enum import StrEnum


class MatchReasonCode(StrEnum):
    """Why an offer suits a seeker, or what does not fit yet (`MatchFound.reasons`, `.missing`)."""

    OCCUPATION_EXACT = "occupation_exact"  # rome_code
    OCCUPATION_NEIGHBOUR = "occupation_neighbour"  # rome_code, your_rome_code
    DISTANCE_WITHIN_RADIUS = "distance_within_radius"  # distance_km, radius_km
    CONTRACT_WISHED = "contract_wished"  # contract_type
    CONTRACT_NOT_WISHED = "contract_not_wished"  # contract_type
    WORKING_TIME_FITS = "working_time_fits"  # working_time
    WORKING_TIME_DIFFERS = "working_time_differs"  # working_time, your_working_time
    SALARY_UNKNOWN = "salary_unknown"  # min_salary_eur
    SALARY_MEETS_MINIMUM = "salary_meets_minimum"  # salary_eur, min_salary_eur
    SALARY_BELOW_MINIMUM = "salary_below_minimum"  # salary_eur, min_salary_eur
    SKILLS_MET = "skills_met"  # count, required, skills
    SKILLS_MISSING = "skills_missing"  # count, required, skills
    WISHED_SKILLS_MET = "wished_skills_met"  # count, skills
    EXPERIENCE_NOT_REQUIRED = "experience_not_required"
    EXPERIENCE_MET = "experience_met"  # years, asked_years
    EXPERIENCE_SHORT = "experience_short"  # years, asked_years, experience (E or S)
    LANGUAGES_MET = "languages_met"  # count, languages
    LANGUAGES_MISSING = "languages_missing"  # count, languages
    LICENCE_MISSING = "licence_missing"  # count, licences


class CompanyReasonCode(StrEnum):
    """Why a company is suggested to a seeker (`CompanyOut.reasons`)."""

    SECTOR_HIRES = "sector_hires"  # rome_code, naf, share_pct, expected_hires
    DISTANCE = "distance"  # distance_km
    FLAG_APPRENTICESHIP = "flag_apprenticeship"
    FLAG_JUNIOR = "flag_junior"
    FLAG_SENIOR = "flag_senior"
    FLAG_DISABILITY_FRIENDLY = "flag_disability_friendly"


class ProposalReasonCode(StrEnum):
    """Why a training is proposed to a seeker (`TrainingProposal.reasons`)."""

    GAP_LICENCE_MISSING = "gap_licence_missing"  # count, near
    GAP_LANGUAGES_MISSING = "gap_languages_missing"  # count, near
    GAP_SKILLS_MISSING = "gap_skills_missing"  # count, near
    GAP_EXPERIENCE_SHORT = "gap_experience_short"  # count, near
    LEADS_TO_TARGET = "leads_to_target"
    SESSION = "session"  # city, commune_code, distance_km, starts_on, days
    FUNDING = "funding"  # funders (France Travail's funder codes, space-separated)
    FUNDING_POSSIBLE = "funding_possible"
    NO_ROME_CODE = "no_rome_code"  # formacodes, nsf_codes (space-separated)
    RECOMMENDED = "recommended"


ReasonParams = dict[str, str | int | float]
