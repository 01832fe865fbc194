"""How a reason's figures and codes are said: occupations, communes and sectors by their names,
contracts and working times in words, numbers and dates the way each language writes them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Protocol


class Namer(Protocol):
    """Names by code (`refdata.Names` is one); None for a code it does not know."""

    def occupation(self, rome_code: str) -> str | None: ...

    def commune(self, insee_code: str) -> str | None: ...

    def sector(self, naf_code: str) -> str | None: ...


Value = str | int | float
Words = dict[str, dict[str, str]]

CONTRACTS: Words = {
    "fr": {
        "CDI": "un CDI",
        "CDD": "un CDD",
        "MIS": "une mission d'intérim",
        "SAI": "un contrat saisonnier",
        "LIB": "une activité indépendante",
        "FRA": "une franchise",
        "REP": "une reprise d'entreprise",
        "CCE": "un contrat d'agent commercial",
        "DDI": "un CDD d'insertion",
        "DIN": "un CDI intérimaire",
    },
    "en": {
        "CDI": "a permanent contract",
        "CDD": "a fixed-term contract",
        "MIS": "a temporary-agency assignment",
        "SAI": "a seasonal contract",
        "LIB": "self-employment",
        "FRA": "a franchise",
        "REP": "a business takeover",
        "CCE": "a commercial agent's contract",
        "DDI": "a fixed-term integration contract",
        "DIN": "a permanent temporary-agency contract",
    },
}
# The job's working time ("Le poste est à temps plein"), then the seeker's ("vous cherchez...").
WORKING_TIMES: Words = {
    "fr": {"full_time": "temps plein", "part_time": "temps partiel"},
    "en": {"full_time": "full time", "part_time": "part time"},
}
WANTED_WORKING_TIMES: Words = {
    "fr": {
        "full_time": "un temps plein",
        "part_time": "un temps partiel",
        "any": "un temps plein ou partiel",
    },
    "en": {"full_time": "full-time work", "part_time": "part-time work", "any": "any hours"},
}
# France Travail's `experienceExige`: E required, S wished.
EXPERIENCE: Words = {
    "fr": {"E": "exige", "S": "souhaite"},
    "en": {"E": "requires", "S": "would like"},
}
# LHEO's funder codes the trainings name.
FUNDERS: Words = {
    "fr": {"4": "France Travail", "2": "la Région", "16": "un OPCO", "7": "l'Agefiph"},
    "en": {"4": "France Travail", "2": "the Region", "16": "an OPCO", "7": "Agefiph"},
}
OR = {"fr": " ou ", "en": " or "}
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
OCCUPATIONS = ("rome_code", "your_rome_code")


def number(value: int | float, language: str) -> str:
    """`1 800` and `3,5` in French, `1,800` and `3.5` in English."""
    if isinstance(value, float) and not value.is_integer():
        text = f"{round(value, 1):g}"
        return text.replace(".", ",") if language == "fr" else text
    whole = f"{round(value):,}"
    return whole.replace(",", "\u202f") if language == "fr" else whole


def day(value: str, language: str) -> str:
    when = date.fromisoformat(value)
    if language == "fr":
        return f"{when:%d/%m/%Y}"
    return f"{when.day} {MONTHS_EN[when.month - 1]} {when.year}"


def long_day(value: str, language: str) -> str:
    """A day in words, as pages say it: "1er décembre 2026", "1 December 2026"."""
    when = date.fromisoformat(value)
    if language == "fr":
        first = "1er" if when.day == 1 else str(when.day)
        return f"{first} {MONTHS_FR[when.month - 1]} {when.year}"
    return f"{when.day} {MONTHS_EN[when.month - 1]} {when.year}"


def funders(value: str, language: str) -> str:
    named = [FUNDERS[language][c] for c in value.split() if c in FUNDERS[language]]
    if not named:
        raise KeyError(value)
    return OR[language].join(named)


def _named(lookup: Callable[[str], str | None] | None, code: str) -> str:
    return (lookup(code) if lookup else None) or code


def said(name: str, value: Value, language: str, names: Namer | None) -> str:
    """One figure or code, as a reader of `language` reads it; KeyError or ValueError when it
    cannot be said (the sentence that needs it is not used)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError(name)
    text = str(value)
    if name in OCCUPATIONS:
        return _named(names.occupation if names else None, text)
    if name == "commune_code":
        return _named(names.commune if names else None, text)
    if name == "naf":
        return _named(names.sector if names else None, text)
    if name == "contract_type":
        return CONTRACTS[language].get(text, text)
    if name == "working_time":
        return WORKING_TIMES[language].get(text, text)
    if name == "your_working_time":
        return WANTED_WORKING_TIMES[language][text]
    if name == "experience":
        return EXPERIENCE[language][text]
    if name == "funders":
        return funders(text, language)
    if name == "starts_on":
        return day(text, language)
    if isinstance(value, int | float):
        return number(value, language)
    return text


def sector_hires(params: Mapping[str, Value], language: str) -> str:
    # "Many" only when the occupation is a fifth of the sector's hires.
    many = float(params["share_pct"]) >= 20
    if language == "fr":
        return "recrute beaucoup" if many else "recrute"
    return "hires many people" if many else "hires"


def hires(params: Mapping[str, Value], language: str) -> str:
    expected = float(params["expected_hires"])
    if expected < 1:
        return (
            "moins d'une embauche attendue ici"
            if language == "fr"
            else "fewer than one hire expected here"
        )
    about = int(expected + 0.5)
    plural = "s" if about > 1 else ""
    if language == "fr":
        return f"environ {about} embauche{plural} attendue{plural} ici"
    return f"about {about} hire{plural} expected here"


def carried(params: Mapping[str, Value], language: str) -> str:
    parts = [
        f"{label} {params[name]}"
        for name, label in (("formacodes", "FORMACODE"), ("nsf_codes", "NSF"))
        if params.get(name)
    ]
    if not parts:
        raise KeyError("formacodes")
    return ", ".join(parts)


# Words said from several figures at once, for the sentences that name them.
DERIVED: dict[str, Callable[[Mapping[str, Value], str], str]] = {
    "sector_hires": sector_hires,
    "hires": hires,
    "carried": carried,
}


def said_all(
    params: Mapping[str, Value], language: str, names: Namer | None, wanted: frozenset[str]
) -> dict[str, str]:
    """The figures in `wanted` that can be said; those that cannot are left out."""
    values: dict[str, str] = {}
    for name in wanted:
        try:
            derive = DERIVED.get(name)
            values[name] = (
                derive(params, language) if derive else said(name, params[name], language, names)
            )
        except (KeyError, ValueError, TypeError):
            continue
    return values
