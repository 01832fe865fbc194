"""Companies likely to hire a seeker, best first, attention spread, reasons as codes and figures."""

from __future__ import annotations

from collections import OrderedDict

from companies.catalogue import Catalogue
from companies.domain.attention import choose
from companies.domain.ranking import Candidate, Ranked, SeekerNeeds, explain, rank, rounded_hires
from companies.ledger import Ledger
from contracts.companies import CompaniesQuery, CompanyList, CompanyOut, CompanyReason
from refdata import Sectors

# The best this many of a ranking are kept: enough for the longest list even when many of the
# best are saturated.
KEEP = 200
Key = tuple[int, tuple[str, ...], float, float, float, frozenset[str]]


class Rankings:
    """Rankings by what they depend on: seekers of a town share their commune's coordinates,
    so most requests reuse one computed for a neighbour. Stale once the catalogue changes."""

    def __init__(self, capacity: int = 2048) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[Key, Ranked] = OrderedDict()

    def of(self, needs: SeekerNeeds, sectors: Sectors, catalogue: Catalogue) -> Ranked:
        key = (
            catalogue.version,
            tuple(needs.occupations),
            needs.latitude,
            needs.longitude,
            needs.radius_km,
            needs.fitting_flags(),
        )
        found = self.entries.get(key)
        if found is not None:
            self.entries.move_to_end(key)
            return found
        found = rank(needs, sectors, catalogue.by_sector, KEEP)
        self.entries[key] = found
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)
        return found


async def companies_for(
    query: CompaniesQuery,
    *,
    sectors: Sectors,
    catalogue: Catalogue,
    ledger: Ledger,
    seekers_per_hire: float,
    rankings: Rankings,
) -> CompanyList:
    needs = SeekerNeeds(
        seeker_id=query.seeker_id,
        occupations=list(dict.fromkeys(query.occupations)),
        latitude=query.latitude,
        longitude=query.longitude,
        radius_km=query.radius_km,
        experience_years=query.experience_years,
        accessibility_needs=query.accessibility_needs,
    )
    ranked = rankings.of(needs, sectors, catalogue)
    period = ledger.current_period()
    chosen = choose(
        ranked.best,
        seeker_id=query.seeker_id,
        period=period,
        shown_to=ledger.seekers_shown,
        already_shown=ledger.already_shown(query.seeker_id),
        seekers_per_hire=seekers_per_hire,
        limit=query.limit,
    )
    await ledger.record(period, query.seeker_id, [c.establishment.siret for c in chosen])
    return CompanyList(
        items=[view(explain(c, sectors), sectors) for c in chosen],
        total_in_reach=ranked.in_reach,
    )


def view(candidate: Candidate, sectors: Sectors) -> CompanyOut:
    place = candidate.establishment
    return CompanyOut(
        siret=place.siret,
        name=place.name,
        naf=place.naf,
        naf_label=sectors.naf_labels.get(place.naf, place.naf),
        headcount=sectors.headcount_labels.get(place.headcount_band or ""),
        address=place.address,
        postcode=place.postcode,
        commune_code=place.commune,
        distance_km=round(candidate.distance_km, 1),
        rome_code=candidate.rome_code,
        expected_hires=rounded_hires(candidate.expected_hires),
        hiring_flags=list(candidate.flags),
        reasons=[
            CompanyReason(code=r.code, params=r.params, fr="", en="") for r in candidate.reasons
        ],
    )
