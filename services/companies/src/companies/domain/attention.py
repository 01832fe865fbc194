"""Spreading attention: no company shown to many more seekers than its expected hires justify.

Each company may be shown, in a period, to about `seekers_per_hire` seekers per hire it can make
(its hiring potential); past that it is saturated, and goes after every company that is not.
Among companies of equal score the order rotates: each seeker gets their own order (a hash of
their id, the company and the period), so that equals share the first places.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil, floor, log

from companies.domain.ranking import Candidate

# Scores within 10 % of each other are equals.
EQUALS_RATIO = 1.1


def period_of(day: date, days: int) -> str:
    """The period a day belongs to: `days`-long windows counted from 2026-01-05 (a Monday)."""
    index = (day - date(2026, 1, 5)).days // days
    return f"p{days}-{index}"


def capacity(hiring_potential: float, seekers_per_hire: float) -> int:
    return max(1, ceil(hiring_potential * seekers_per_hire))


def tier(score: float) -> int:
    return floor(log(max(score, 1e-9)) / log(EQUALS_RATIO))


def rotation_key(seeker_id: str, siret: str, period: str) -> bytes:
    return hashlib.blake2b(f"{period}|{seeker_id}|{siret}".encode(), digest_size=8).digest()


def choose(
    ranked: Sequence[Candidate],
    *,
    seeker_id: str,
    period: str,
    shown_to: Callable[[str], int],
    already_shown: frozenset[str],
    seekers_per_hire: float,
    limit: int,
) -> list[Candidate]:
    """The `limit` companies to show this seeker, best first, spreading attention."""

    def saturated(candidate: Candidate) -> bool:
        siret = candidate.establishment.siret
        if siret in already_shown:  # the seeker counts once: showing it again costs nothing
            return False
        room = capacity(candidate.establishment.hiring_potential, seekers_per_hire)
        return shown_to(siret) >= room

    return sorted(
        ranked,
        key=lambda c: (
            saturated(c),
            -tier(c.score),
            rotation_key(seeker_id, c.establishment.siret, period),
        ),
    )[:limit]


@dataclass(frozen=True)
class Distribution:
    companies_shown: int
    views: int
    over_capacity: int
    load_p50: float
    load_p90: float
    load_p99: float
    load_max: float
    busiest: list[tuple[str, int, int]]  # siret, seekers shown to, capacity


def distribution(shown_to: Mapping[str, int], capacities: Mapping[str, int]) -> Distribution:
    """Load = seekers a company was shown to / its capacity, over the companies shown at all."""
    loads = sorted(shown_to[s] / capacities.get(s, 1) for s in shown_to)

    def at(q: float) -> float:
        if not loads:
            return 0.0
        return round(loads[min(len(loads) - 1, ceil(q * len(loads)) - 1)], 3)

    busiest = sorted(shown_to, key=lambda s: (-shown_to[s] / capacities.get(s, 1), s))[:10]
    return Distribution(
        companies_shown=len(shown_to),
        views=sum(shown_to.values()),
        over_capacity=sum(1 for s in shown_to if shown_to[s] > capacities.get(s, 1)),
        load_p50=at(0.5),
        load_p90=at(0.9),
        load_p99=at(0.99),
        load_max=round(loads[-1], 3) if loads else 0.0,
        busiest=[(s, shown_to[s], capacities.get(s, 1)) for s in busiest],
    )
