"""The workload design: alerts known in advance, and confirmed by the recommender's own engine."""

from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

import pytest
from chaoslib.design import (
    CHANNEL_MIXES,
    Design,
    DesignError,
    Limits,
    Place,
    channel_counts,
    check_design,
    expected_by_engine,
    far_apart_places,
    make_design,
)

from refdata import Referential, get_referential
from refdata.geo import distance_km

LIMITS = Limits()


@cache
def referential() -> Referential:
    return get_referential()


@cache
def neighbours() -> dict[str, dict[str, float]]:
    ref = referential()
    return {rome: ref.neighbours(rome) for rome in ref.occupations}


def small(**overrides: int) -> Design:
    options = {"seekers": 12, "offers": 30, "group_size": 2, "seed": 3}
    options.update(overrides)
    return make_design(referential(), run_id="t1", limits=LIMITS, **options)


def test_each_offer_suits_exactly_its_group() -> None:
    design = small()

    pairs = design.expected_pairs()

    assert len(design.groups) == 6
    assert len(pairs) == 30 * 2
    for group in design.groups:
        assert len(group.seekers) == 2
        assert len(group.offers) == 5
    assert sorted(o for g in design.groups for o in g.offers) == sorted(design.offers)


def test_the_engine_agrees_with_the_design() -> None:
    design = small()

    assert check_design(design, neighbours(), LIMITS) == design.expected_pairs()
    assert expected_by_engine(design, neighbours(), LIMITS, brute_force=True) == (
        design.expected_pairs()
    )


def test_the_check_fails_early_when_two_groups_share_a_place() -> None:
    design = small()
    first, second, *rest = design.groups
    # The second group moved next to the first, looking for the same occupation: every offer of
    # either group now suits four seekers, not the two the design announces.
    moved = replace(second, place=first.place, rome_code=first.rome_code)
    broken = replace(design, groups=(first, moved, *rest))

    with pytest.raises(DesignError, match="the scoring rules give 80 alerts, the design 60"):
        check_design(broken, neighbours(), LIMITS)


def test_the_check_fails_early_when_no_seeker_reaches_the_minimum_score() -> None:
    with pytest.raises(DesignError, match="the scoring rules give 0 alerts"):
        check_design(small(), neighbours(), Limits(min_score=1.01))


def test_groups_live_far_apart() -> None:
    design = small(seekers=40, offers=40)

    places = [g.place for g in design.groups]
    closest = min(
        distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
        for n, a in enumerate(places)
        for b in places[n + 1 :]
    )
    assert closest >= 8.0


def test_far_apart_places_skips_close_candidates() -> None:
    paris = Place("75056", None, 48.8566, 2.3522)
    near = Place("92012", None, 48.8397, 2.2399)  # Boulogne-Billancourt: 8.5 km away
    lyon = Place("69123", None, 45.764, 4.8357)

    assert far_apart_places([paris, near, lyon], 2, min_km=10) == [paris, lyon]
    with pytest.raises(DesignError):
        far_apart_places([paris, near], 2, min_km=10)


def test_the_same_seed_and_run_give_the_same_design() -> None:
    assert small() == small()
    assert small().groups != small(seed=4).groups


def test_channels_mix_every_external_channel() -> None:
    design = small(seekers=8, offers=8)

    assert {design.channels[s] for s in design.seekers} == set(CHANNEL_MIXES)
    counts = channel_counts(design)
    assert counts["inbox"] == len(design.expected_pairs())
    assert counts["email"] == counts["push"] == counts["sms"]


def test_preferences_make_deliveries_predictable() -> None:
    design = small()
    seeker = design.seekers[3]

    preferences = design.preferences(seeker)

    assert preferences["frequency"] == "instant"
    assert preferences["quiet_hours"] is None
    assert preferences["channels"]["new_match"] == ["inbox", *design.channels[seeker]]
    profile = design.profile(seeker)
    assert profile["review_before_send"] is False
    assert profile["no_smartphone"] is False
    assert profile["contact"]["email"]
    assert profile["contact"]["push_token"]
    assert profile["skills"] == [design.skill]


def test_offers_require_the_run_skill_at_the_group_place() -> None:
    design = small()
    offer_id = design.offers[7]
    group = design.groups[design.group_of_offer[offer_id]]

    record = design.offer_record(offer_id, datetime(2026, 11, 25, tzinfo=UTC))

    assert record["id"] == offer_id
    assert offer_id in record["intitule"]
    assert record["romeCode"] == group.rome_code
    assert record["lieuTravail"]["commune"] == group.place.commune_code
    assert record["competences"] == [{"libelle": design.skill, "exigence": "E"}]
    assert record["nombrePostes"] == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"seekers": 2, "offers": 100}, "more than the recommender keeps"),
        ({"seekers": 7, "offers": 10}, "multiple of --group-size"),
        ({"seekers": 12, "offers": 10, "group_size": 6}, "exceed the alert cap"),
        ({"seekers": 12, "offers": 0}, "at least 1"),
    ],
)
def test_impossible_workloads_are_refused(options: dict[str, int], message: str) -> None:
    with pytest.raises(DesignError, match=message):
        small(**options)


def test_the_cap_follows_the_recommender_settings() -> None:
    assert Limits().cap == 5
    assert Limits(alerts_per_position=2.5, max_alerts_per_offer=50).cap == 3
    assert Limits(alerts_per_position=10, max_alerts_per_offer=4).cap == 4
