"""Checks a profile against the reference data; each problem names its field and what to fix."""

from dataclasses import dataclass
from zoneinfo import available_timezones

from pydantic import BaseModel, Field

from contracts import Place
from profiles.domain.profile import SeekerProfile
from refdata import Referential

LICENCES = frozenset(
    {"AM", "A1", "A2", "A", "B", "BE", "B96", "C1", "C1E", "C", "CE", "D1", "D1E", "D", "DE"}
)
MAX_OCCUPATIONS = 5
_TIME_ZONES = frozenset(available_timezones())


FROM_COMMUNE = "WGS 84 degrees; the commune's own when absent."


class PlaceIn(BaseModel):
    commune_code: str = Field(
        min_length=4, max_length=5, description="INSEE code of the commune, e.g. 69123 for Lyon."
    )
    postcode: str | None = Field(default=None, pattern=r"^[0-9]{5}$", description="Postcode.")
    latitude: float | None = Field(
        default=None, ge=-90, le=90, description="Taken from the commune if absent."
    )
    longitude: float | None = Field(
        default=None, ge=-180, le=180, description="Taken from the commune if absent."
    )


class ProfileIn(SeekerProfile):
    """A profile as clients send it: the place may come without coordinates."""

    place: PlaceIn  # type: ignore[assignment]


@dataclass(frozen=True)
class Problem:
    loc: tuple[str | int, ...]
    msg: str


def check_profile(
    given: ProfileIn, referential: Referential
) -> tuple[SeekerProfile | None, list[Problem]]:
    problems: list[Problem] = []
    if not given.occupations:
        problems.append(Problem(("occupations",), "give at least one occupation (a ROME code)"))
    if len(given.occupations) > MAX_OCCUPATIONS:
        problems.append(
            Problem(("occupations",), f"give at most {MAX_OCCUPATIONS} occupations, by priority")
        )
    seen: set[str] = set()
    for index, occupation in enumerate(given.occupations):
        code = occupation.rome_code.strip().upper()
        if not referential.is_rome(code):
            problems.append(
                Problem(
                    ("occupations", index, "rome_code"),
                    f"unknown ROME code {occupation.rome_code!r}: use a code such as K2204 "
                    "from the ROME referential",
                )
            )
        elif code in seen:
            problems.append(Problem(("occupations", index, "rome_code"), f"{code} is listed twice"))
        seen.add(code)
    if not given.contract_types:
        problems.append(Problem(("contract_types",), "give at least one wanted contract type"))
    kinds = [wanted.contract_type for wanted in given.contract_types]
    if len(set(kinds)) != len(kinds):
        problems.append(Problem(("contract_types",), "each contract type may appear only once"))
    for index, language in enumerate(given.languages):
        if len(language) != 2 or not language.isalpha() or not language.islower():
            problems.append(
                Problem(("languages", index), f"{language!r} is not an ISO 639-1 code such as 'en'")
            )
    for index, licence in enumerate(given.driving_licences):
        if licence not in LICENCES:
            problems.append(
                Problem(
                    ("driving_licences", index),
                    f"unknown licence {licence!r}: use one of {', '.join(sorted(LICENCES))}",
                )
            )
    if given.time_zone not in _TIME_ZONES:
        problems.append(
            Problem(("time_zone",), f"unknown time zone {given.time_zone!r}: use e.g. Europe/Paris")
        )
    place = _resolve_place(given.place, referential, problems)
    if problems or place is None:
        return None, problems
    occupations = [
        occupation.model_copy(update={"rome_code": occupation.rome_code.strip().upper()})
        for occupation in given.occupations
    ]
    data = given.model_dump(exclude={"place", "occupations"})
    profile = SeekerProfile.model_validate(
        {**data, "place": place.model_dump(), "occupations": [o.model_dump() for o in occupations]}
    )
    return profile, []


def _resolve_place(
    given: PlaceIn, referential: Referential, problems: list[Problem]
) -> Place | None:
    commune = referential.commune(given.commune_code)
    if commune is None:
        problems.append(
            Problem(
                ("place", "commune_code"),
                f"unknown commune {given.commune_code!r}: use the INSEE code (5 characters, "
                "e.g. 69123), not the postcode",
            )
        )
        return None
    if given.postcode is not None and given.postcode not in commune.postcodes:
        problems.append(
            Problem(
                ("place", "postcode"),
                f"{given.postcode} is not a postcode of {commune.name} "
                f"({', '.join(commune.postcodes) or 'none on file'})",
            )
        )
        return None
    latitude, longitude = given.latitude, given.longitude
    if (latitude is None) != (longitude is None):
        problems.append(Problem(("place",), "give both latitude and longitude, or neither"))
        return None
    if latitude is None or longitude is None:
        if not commune.has_coordinates:
            problems.append(
                Problem(
                    ("place", "latitude"),
                    f"{commune.name} has no coordinates on file: give latitude and longitude",
                )
            )
            return None
        latitude, longitude = commune.latitude, commune.longitude
    postcode = given.postcode or (commune.postcodes[0] if commune.postcodes else None)
    return Place(
        commune_code=commune.insee_code, postcode=postcode, latitude=latitude, longitude=longitude
    )
