from dataclasses import replace

from companies.domain.attention import capacity, choose, distribution, period_of
from companies.domain.establishment import Establishment
from companies.domain.ranking import Candidate

PLACE = Establishment(
    siret="00000000000000",
    name="SHOP",
    naf="4759A",
    headcount_band="01",
    address="",
    postcode="57000",
    commune="57463",
    latitude=49.1,
    longitude=6.2,
    predicted_hires=2,
    flags=(),
    email=None,
)


def a_candidate(siret: str, score: float) -> Candidate:
    return Candidate(replace(PLACE, siret=siret), "D1212", 1.0, 1.0, (), score)


def test_a_saturated_company_goes_after_the_others() -> None:
    ranked = [a_candidate("1", 3.0), a_candidate("2", 1.0)]
    room = capacity(PLACE.hiring_potential, 5)
    assert room == 10
    kwargs = {"period": "p", "already_shown": frozenset[str](), "seekers_per_hire": 5, "limit": 2}
    fresh = choose(ranked, seeker_id="s", shown_to=lambda s: 0, **kwargs)  # type: ignore[arg-type]
    assert [c.establishment.siret for c in fresh] == ["1", "2"]
    full = choose(ranked, seeker_id="s", shown_to=lambda s: {"1": room}.get(s, 0), **kwargs)  # type: ignore[arg-type]
    assert [c.establishment.siret for c in full] == ["2", "1"]
    # Showing it again to a seeker who already saw it costs nothing.
    kwargs["already_shown"] = frozenset({"1"})
    again = choose(ranked, seeker_id="s", shown_to=lambda s: {"1": room}.get(s, 0), **kwargs)  # type: ignore[arg-type]
    assert [c.establishment.siret for c in again] == ["1", "2"]


def top_for_a_new_seeker(ranked: list[Candidate], seeker_id: str) -> str:
    """The siret shown first to a seeker no one has been shown to yet."""
    [top] = choose(
        ranked,
        seeker_id=seeker_id,
        period="p",
        shown_to=lambda s: 0,
        already_shown=frozenset(),
        seekers_per_hire=5,
        limit=1,
    )
    return top.establishment.siret


def test_equals_take_turns_at_the_top_across_seekers() -> None:
    ranked = [a_candidate(str(n), 2.0 + n / 1000) for n in range(10)]
    firsts = {top_for_a_new_seeker(ranked, f"s-{n}") for n in range(50)}
    assert len(firsts) >= 5
    better = [a_candidate("best", 4.0), *ranked]
    for n in range(20):
        # a clearly better one is no equal
        assert top_for_a_new_seeker(better, f"s-{n}") == "best"


def test_the_distribution_of_attention() -> None:
    spread = distribution({"a": 5, "b": 20, "c": 1}, {"a": 10, "b": 10, "c": 1})
    assert spread.companies_shown == 3
    assert spread.views == 26
    assert spread.over_capacity == 1
    assert spread.load_max == 2.0
    assert spread.busiest[0] == ("b", 20, 10)


def test_periods_are_windows_of_days() -> None:
    from datetime import date

    assert period_of(date(2026, 1, 5), 7) == period_of(date(2026, 1, 11), 7)
    assert period_of(date(2026, 1, 12), 7) != period_of(date(2026, 1, 11), 7)
