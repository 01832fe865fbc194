import pytest

from companies.domain.establishment import Establishment
from companies.domain.ranking import SeekerNeeds, candidates, explain
from refdata import Sectors

METZ = (49.1193, 6.1757)


def by_sector(places: list[Establishment]) -> dict[str, list[Establishment]]:
    grouped: dict[str, list[Establishment]] = {}
    for place in places:
        grouped.setdefault(place.naf, []).append(place)
    return grouped


def needs(*occupations: str, radius_km: float = 20, **changes: object) -> SeekerNeeds:
    return SeekerNeeds("s-1", occupations, METZ[0], METZ[1], radius_km, **changes)  # type: ignore[arg-type]


def test_expected_hires_are_the_potential_times_the_occupations_share(
    sectors: Sectors, establishments: list[Establishment]
) -> None:
    found = {
        c.establishment.siret: c
        for c in candidates(needs("D1212"), sectors, by_sector(establishments))
    }
    # 4759A: 300 of its 400 hires are sales staff; the shop (20-49) may make its 40 hires.
    assert found["11111111100011"].expected_hires == pytest.approx(40 * 300 / 400)
    # 4778C hires only sales staff, but a shop of 1-2 people makes 2 hires at most, not 300.
    assert found["22222222200022"].expected_hires == pytest.approx(2.0)
    assert "33333333300033" not in found  # a cleaning company hires no sales staff
    assert list(found) == ["11111111100011", "22222222200022"]  # more hires first


def test_only_establishments_within_the_radius(
    sectors: Sectors, establishments: list[Establishment]
) -> None:
    near = candidates(needs("K2204", radius_km=0.5), sectors, by_sector(establishments))
    assert [c.establishment.siret for c in near] == ["11111111100011"]
    assert near[0].distance_km < 0.5


def test_flags_that_fit_the_seeker_are_kept(
    sectors: Sectors, establishments: list[Establishment]
) -> None:
    grouped = by_sector(establishments)
    beginner = candidates(needs("D1212", accessibility_needs=True), sectors, grouped)[0]
    assert beginner.flags == ("apprenticeship", "junior", "disability_friendly")
    experienced = candidates(needs("D1212", experience_years=10), sectors, grouped)[0]
    assert experienced.flags == ()


def test_reasons_are_codes_with_their_figures(
    sectors: Sectors, establishments: list[Establishment]
) -> None:
    best = candidates(needs("D1212"), sectors, by_sector(establishments))[0]
    reasons = explain(best, sectors).reasons
    assert reasons[0].code == "sector_hires"
    assert reasons[0].params == {
        "rome_code": "D1212",
        "naf": "4759A",
        "share_pct": 75,
        "expected_hires": 30.0,
    }
    assert reasons[1].code == "distance"
    assert reasons[1].params == {"distance_km": round(best.distance_km, 1)}
    assert [r.code for r in reasons[2:]] == ["flag_apprenticeship", "flag_junior"]
    assert [r.params for r in reasons[2:]] == [{}, {}]


def test_rankings_are_reused_until_the_catalogue_changes(
    sectors: Sectors, establishments: list[Establishment]
) -> None:
    from companies.catalogue import Catalogue
    from companies.suggestions import Rankings

    catalogue = Catalogue()
    catalogue.replace(establishments)
    rankings = Rankings()
    first = rankings.of(needs("D1212"), sectors, catalogue)
    assert rankings.of(needs("D1212"), sectors, catalogue) is first
    assert rankings.of(needs("D1212", radius_km=0.2), sectors, catalogue) is not first
    catalogue.remove("11111111100011")
    after = rankings.of(needs("D1212"), sectors, catalogue)
    assert [c.establishment.siret for c in after.best] == ["22222222200022"]
