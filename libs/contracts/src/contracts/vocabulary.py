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
