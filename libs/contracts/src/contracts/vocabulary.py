"""Shared vocabularies, with France Travail's codes where they exist."""

from enum import StrEnum


class ContractType(StrEnum):
    """France Travail's `typeContrat` codes."""

    CDI = "CDI"  # permanent
    CDD = "CDD"  # fixed-term
    MIS = "MIS"  # temporary work (intérim)
    SAI = "SAI"  # seasonal
    LIB = "LIB"  # self-employed
    FRA = "FRA"  # franchise
    REP = "REP"  # business takeover
    CCE = "CCE"  # commercial agent
    DDI = "DDI"  # fixed-term integration contract
    DIN = "DIN"  # permanent temporary-work contract


class WorkingTime(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    ANY = "any"


class ExperienceRequirement(StrEnum):
    """France Travail's `experienceExige`: beginners welcome, wished, or required."""

    BEGINNER_OK = "D"
    WISHED = "S"
    REQUIRED = "E"


class ClosureReason(StrEnum):
    FILLED = "filled"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class WithdrawalReason(StrEnum):
    OFFER_CLOSED = "offer_closed"
    PROFILE_CHANGED = "profile_changed"
    SEEKER_FEEDBACK = "seeker_feedback"
    SEEKER_ERASED = "seeker_erased"
    OFFER_CHANGED = "offer_changed"


class FeedbackReason(StrEnum):
    """The seeker's "not for me, because...": each one changes their future ranking."""

    TOO_FAR = "too_far"
    WRONG_CONTRACT = "wrong_contract"
    SALARY = "salary"
    NOT_MY_OCCUPATION = "not_my_occupation"
    ALREADY_APPLIED = "already_applied"
    OTHER = "other"


# How a seeker is told (the notifier sends; the gateway takes the seeker's choices). No
# docstrings: they would become the schemas' descriptions, which the API documents have without.
class Channel(StrEnum):
    INBOX = "inbox"
    EMAIL = "email"
    PUSH = "push"
    SMS = "sms"


class Category(StrEnum):
    NEW_MATCH = "new_match"
    OFFER_CLOSED = "offer_closed"
    COUNSELLOR_MESSAGE = "counsellor_message"


class Frequency(StrEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"
