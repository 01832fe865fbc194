"""Names instead of codes for pages and messages: occupation labels, commune names, sector labels.

La Poste's base writes communes in capitals without accents nor hyphens (`ST ETIENNE`, `LYON 03`,
`L ABERGEMENT CLEMENCIAT`); `commune_display_name` gives them back a readable form (`Saint-Etienne`,
`Lyon 3e`, `L'Abergement-Clemenciat`). Accents the file lost stay lost.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from refdata.companies import company_data_dir, read_sectors
from refdata.readers import read_communes, read_occupations
from refdata.settings import RefdataSettings

ARTICLES = {"LE": "Le", "LA": "La", "LES": "Les"}
ELIDED = {"L", "D"}
ABBREVIATIONS = {"ST": "Saint", "STE": "Sainte", "STS": "Saints", "STES": "Saintes"}
SMALL_WORDS = {"DE", "DU", "DES", "LA", "LE", "LES", "SUR", "SOUS", "EN", "ET", "AUX", "AU"}
ARRONDISSEMENT = re.compile(r"^(.*\S)\s+0*(\d{1,2})$")


def _word(word: str, first: bool) -> str:
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word]
    if not first and word in SMALL_WORDS:
        return word.lower()
    return "-".join(part.capitalize() for part in word.split("-"))


def commune_display_name(raw: str) -> str:
    """`ST ETIENNE` → `Saint-Etienne`, `LE HAVRE` → `Le Havre`, `LYON 03` → `Lyon 3e`."""
    text = " ".join(raw.split())
    if not text:
        return text
    suffix = ""
    arrondissement = ARRONDISSEMENT.match(text)
    if arrondissement:
        text, number = arrondissement.group(1), int(arrondissement.group(2))
        suffix = " 1er" if number == 1 else f" {number}e"
    words = text.upper().replace("'", " ").split(" ")
    lead = ""
    if words[0] in ARTICLES and len(words) > 1:
        lead, words = ARTICLES[words[0]] + " ", words[1:]
    elif words[0] in ELIDED and len(words) > 1:
        lead, words = words[0] + "'", words[1:]
    body = "-".join(_word(w, i == 0) for i, w in enumerate(words) if w)
    return lead + body + suffix


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(c for c in folded if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", letters).split())


@dataclass(frozen=True)
class Names:
    """Labels by code; `None` for a code the reference data does not know."""

    occupations: Mapping[str, str]
    communes: Mapping[str, str]
    sectors: Mapping[str, str]

    def occupation(self, rome_code: str) -> str | None:
        return self.occupations.get(rome_code)

    def commune(self, insee_code: str) -> str | None:
        raw = self.communes.get(insee_code)
        return None if raw is None else commune_display_name(raw)

    def sector(self, naf_code: str) -> str | None:
        return self.sectors.get(naf_code)

    @functools.cached_property
    def _commune_codes(self) -> dict[str, str]:
        codes: dict[str, str] = {}
        for code in sorted(self.communes):
            for name in (self.communes[code], commune_display_name(self.communes[code])):
                codes.setdefault(_plain(name), code)
        return codes

    def commune_code(self, text: str) -> str | None:
        """The commune a person typed: its INSEE code, or its name without regard to case,
        accents, hyphens and `St` for `Saint` (the first code when several communes share it)."""
        typed = text.strip().upper()
        if typed in self.communes:
            return typed
        return self._commune_codes.get(_plain(text))


def read_names(folder: Path) -> Names:
    communes, _ = read_communes(folder)
    sectors = read_sectors(folder).naf_labels
    return Names(
        occupations=MappingProxyType(read_occupations(folder)),
        communes=MappingProxyType({code: row.name for code, row in communes.items()}),
        sectors=MappingProxyType(dict(sectors)),
    )


@functools.cache
def get_names() -> Names:
    """The names of the reference folder the environment names (read once per process)."""
    return read_names(company_data_dir(RefdataSettings()))
