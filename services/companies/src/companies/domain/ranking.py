"""Companies likely to hire a seeker: expected hires for the occupation, distance, fitting flags.

Expected hires of an establishment for an occupation = its hiring potential (the hires La Bonne
Boîte predicts, bounded by its headcount band) × the occupation's share of all the hires its
sector makes. The score weighs them (on a log scale: 20 expected hires are not worth ten times 2)
against distance: at the edge of the seeker's radius a company counts half of one next door.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from math import cos, log1p, radians

from companies.domain.establishment import Establishment
from contracts.reasons import CompanyReasonCode
from refdata import Sectors, distance_km
from servicekit.coded_reason import CodedReason

KM_PER_DEGREE_LATITUDE = 111.2


@dataclass(frozen=True)
class SeekerNeeds:
    seeker_id: str
    occupations: Sequence[str]  # ROME codes, first choice first
    latitude: float
    longitude: float
    radius_km: float
    experience_years: int = 0
    accessibility_needs: bool = False

    def fitting_flags(self) -> frozenset[str]:
        flags = set()
        if self.experience_years <= 2:
            flags |= {"apprenticeship", "junior"}
        if self.experience_years >= 20:
            flags.add("senior")
        if self.accessibility_needs:
            flags.add("disability_friendly")
        return frozenset(flags)


Reason = CodedReason[CompanyReasonCode]


@dataclass(frozen=True)
class Candidate:
    establishment: Establishment
    rome_code: str
    distance_km: float
    expected_hires: float
    flags: tuple[str, ...]
    score: float
    reasons: tuple[Reason, ...] = field(default=())


def score(expected_hires: float, distance: float, radius_km: float, fitting: int) -> float:
    nearness = 1.0 - 0.5 * min(1.0, distance / max(radius_km, 1.0))
    return log1p(expected_hires) * nearness * (1.0 + 0.1 * fitting)


@dataclass(frozen=True)
class Ranked:
    best: tuple[Candidate, ...]  # the best `keep`, best first
    in_reach: int  # every establishment within reach whose sector hires the occupations


def candidates(
    needs: SeekerNeeds,
    sectors: Sectors,
    by_sector: dict[str, list[Establishment]],
    keep: int | None = None,
) -> list[Candidate]:
    """Establishments within reach whose sector hires one of the seeker's occupations, best
    first (the best `keep` of them when given)."""
    return list(rank(needs, sectors, by_sector, keep).best)


def rank(
    needs: SeekerNeeds,
    sectors: Sectors,
    by_sector: dict[str, list[Establishment]],
    keep: int | None = None,
) -> Ranked:
    fitting = needs.fitting_flags()
    radius = needs.radius_km
    # Scores only, in this loop (it sees thousands of establishments): candidates are built
    # for the best ones alone.
    best: dict[str, tuple[float, float, float, str, Establishment]] = {}
    for order, rome in enumerate(needs.occupations):
        # A second choice weighs a little less than the first.
        weight = 1.0 / (1 + 0.25 * order)
        for naf in sectors.sectors_hiring(rome):
            share = sectors.share(rome, naf)
            if share <= 0:
                continue
            for place in _near(by_sector.get(naf, ()), needs):
                distance = distance_km(
                    needs.latitude, needs.longitude, place.latitude, place.longitude
                )
                if distance > radius:
                    continue
                expected = place.hiring_potential * share
                if expected <= 0:
                    continue
                fits = sum(1 for f in place.flags if f in fitting) if fitting else 0
                value = weight * score(expected, distance, radius, fits)
                known = best.get(place.siret)
                if known is None or value > known[0]:
                    best[place.siret] = (value, distance, expected, rome, place)
    ordered = sorted(best.values(), key=lambda v: (-v[0], v[1], v[4].siret))
    chosen = ordered if keep is None else ordered[:keep]
    return Ranked(
        best=tuple(
            Candidate(
                place,
                rome,
                distance,
                expected,
                tuple(f for f in place.flags if f in fitting),
                value,
            )
            for value, distance, expected, rome, place in chosen
        ),
        in_reach=len(best),
    )


def _near(places: Iterable[Establishment], needs: SeekerNeeds) -> Iterable[Establishment]:
    # A cheap box first: most of a sector lies outside the radius in a national file.
    band = needs.radius_km / KM_PER_DEGREE_LATITUDE
    low, high = needs.latitude - band, needs.latitude + band
    wide = band / max(0.05, cos(radians(needs.latitude)))
    west, east = needs.longitude - wide, needs.longitude + wide
    return (p for p in places if low <= p.latitude <= high and west <= p.longitude <= east)


def rounded_hires(expected: float) -> float:
    return round(expected, 1)


def explain(candidate: Candidate, sectors: Sectors) -> Candidate:
    """The candidate with its reasons: codes and figures."""
    place = candidate.establishment
    reasons = [
        Reason(
            CompanyReasonCode.SECTOR_HIRES,
            {
                "rome_code": candidate.rome_code,
                "naf": place.naf,
                "share_pct": round(100 * sectors.share(candidate.rome_code, place.naf)),
                "expected_hires": rounded_hires(candidate.expected_hires),
            },
        ),
        Reason(CompanyReasonCode.DISTANCE, {"distance_km": round(candidate.distance_km, 1)}),
    ]
    reasons += [Reason(CompanyReasonCode(f"flag_{flag}")) for flag in candidate.flags]
    return Candidate(
        place,
        candidate.rome_code,
        candidate.distance_km,
        candidate.expected_hires,
        candidate.flags,
        candidate.score,
        tuple(reasons),
    )
