"""An establishment read from a row in La Bonne Boîte's format, or the reason it cannot be."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from functools import cached_property

SIRET = re.compile(r"^[0-9]{14}$")
NAF = re.compile(r"^[0-9]{4}[A-Z]$")
INSEE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")
FLAGS = {
    "flag_alternance": "apprenticeship",
    "flag_junior": "junior",
    "flag_senior": "senior",
    "flag_handicap": "disability_friendly",
}
# The most hires a year an establishment of each headcount band plausibly makes: La Bonne
# Boîte's development data predicts hundreds for one-person shops (see its README).
PLAUSIBLE_HIRES = {
    "00": 1,
    "01": 2,
    "02": 5,
    "03": 9,
    "11": 19,
    "12": 49,
    "21": 99,
    "22": 199,
    "31": 249,
    "32": 499,
    "41": 999,
    "42": 1999,
    "51": 4999,
    "52": 9999,
    "53": 10000,
}
UNKNOWN_BAND_HIRES = 5


@dataclass(frozen=True)
class Establishment:
    siret: str
    name: str
    naf: str
    headcount_band: str | None
    address: str
    postcode: str
    commune: str
    latitude: float
    longitude: float
    predicted_hires: int
    flags: tuple[str, ...]
    email: str | None

    @cached_property
    def hiring_potential(self) -> float:
        """The predicted hires, bounded by what the headcount band makes plausible."""
        bound = PLAUSIBLE_HIRES.get(self.headcount_band or "", UNKNOWN_BAND_HIRES)
        return float(min(self.predicted_hires, bound))

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Rejection:
    line: int
    siret: str | None
    column: str
    reason: str


class BadValue(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def establishment_from_row(row: dict[str, str]) -> Establishment:
    """Raises `BadValue` naming the column at fault."""
    siret = row.get("siret", "")
    if len(siret) == 13 and siret.isdigit():  # a spreadsheet dropped the leading zero
        siret = "0" + siret
    if not SIRET.match(siret):
        raise BadValue("siret", "a SIRET is 14 digits")
    name = row.get("enseigne") or row.get("raisonsociale") or ""
    if not name:
        raise BadValue("raisonsociale", "the establishment has no name")
    naf = row.get("codenaf", "").upper()
    if not NAF.match(naf):
        raise BadValue("codenaf", "a NAF code is four digits and a letter, e.g. 4759A")
    commune = row.get("codecommune", "").upper()
    if not INSEE.match(commune):
        raise BadValue("codecommune", "an INSEE commune code is 5 characters, e.g. 57463")
    longitude = _number(row, "coordinates_x", -180, 180)
    latitude = _number(row, "coordinates_y", -90, 90)
    if latitude == 0 and longitude == 0:
        raise BadValue("coordinates_x", "the establishment has no coordinates (0, 0)")
    hires = _number(row, "hiring", 0, 1_000_000) if row.get("hiring") else 0.0
    band = row.get("trancheeffectif") or None
    if band is not None and not band.isdigit():
        raise BadValue("trancheeffectif", "a headcount band is a two-digit code, e.g. 12")
    flags = []
    for column, flag in FLAGS.items():
        value = row.get(column, "") or "0"
        if value not in ("0", "1"):
            raise BadValue(column, "a flag is 0 or 1")
        if value == "1":
            flags.append(flag)
    street = " ".join(part for part in (row.get("numerorue"), row.get("libellerue")) if part)
    return Establishment(
        siret=siret,
        name=name,
        naf=naf,
        headcount_band=band.zfill(2) if band else None,
        address=street,
        postcode=row.get("codepostal", ""),
        commune=commune,
        latitude=latitude,
        longitude=longitude,
        predicted_hires=round(hires),
        flags=tuple(flags),
        email=row.get("email") or None,
    )


def _number(row: dict[str, str], column: str, low: float, high: float) -> float:
    text = row.get(column, "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise BadValue(column, f"expected a number, got {text[:20]!r}") from None
    if not low <= value <= high:
        raise BadValue(column, f"expected a number between {low:g} and {high:g}")
    return value
