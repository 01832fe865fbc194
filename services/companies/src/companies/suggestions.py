"""Companies likely to hire a seeker, best first, attention spread, reasons in plain words."""

from __future__ import annotations

from companies.catalogue import Catalogue
from companies.domain.attention import choose
from companies.domain.ranking import Candidate, SeekerNeeds, candidates, explain, rounded_hires
from companies.ledger import Ledger
from contracts.companies import CompaniesQuery, CompanyList, CompanyOut, CompanyReason
from refdata import Sectors


async def companies_for(
    query: CompaniesQuery,
    *,
    sectors: Sectors,
    catalogue: Catalogue,
    ledger: Ledger,
    seekers_per_hire: float,
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
    ranked = candidates(needs, sectors, catalogue.by_sector)
    period = ledger.current_period()
    chosen = choose(
        ranked,
        seeker_id=query.seeker_id,
        period=period,
        shown_to=ledger.seekers_shown,
        already_shown=ledger.already_shown(query.seeker_id),
        seekers_per_hire=seekers_per_hire,
        limit=query.limit,
    )
    await ledger.record(period, query.seeker_id, [c.establishment.siret for c in chosen])
    return CompanyList(
        items=[
            view(explain(c, sectors, sectors.occupation_labels.get(c.rome_code)), sectors)
            for c in chosen
        ],
        total_in_reach=len(ranked),
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
        reasons=[CompanyReason(code=r.code, fr=r.fr, en=r.en) for r in candidate.reasons],
    )
