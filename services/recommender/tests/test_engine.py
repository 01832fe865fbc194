"""The in-memory candidate index and ranking (pure: no I/O)."""

import random
from collections.abc import Callable

import numpy as np

from contracts import OfferPublished, ProfileUpdated
from recommender.domain.engine import MatchingEngine
from recommender.domain.model import offer_from_event, seeker_from_event
from recommender.domain.occupations import OccupationGraph
from recommender.domain.scoring import explain

ProfileBuilder = Callable[..., ProfileUpdated]
OfferBuilder = Callable[..., OfferPublished]
GRENOBLE = {"commune_code": "38185", "latitude": 45.19, "longitude": 5.72}


def add(engine: MatchingEngine, profile: ProfileUpdated) -> int:
    return engine.upsert(seeker_from_event(profile))


def examined(engine: MatchingEngine, offer: OfferPublished) -> set[str]:
    return {str(engine.ids[s]) for s in engine.examined_slots(offer_from_event(offer))}


def index_contents(engine: MatchingEngine) -> dict[int, list[str]]:
    return {key: sorted(str(engine.ids[s]) for s in slots) for key, slots in engine.index.items()}


def test_a_new_offer_examines_only_plausible_seekers(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    add(engine, a_profile("near"))
    add(engine, a_profile("neighbour", occupations=[{"rome_code": "K1304", "priority": 1}]))
    add(engine, a_profile("far", place=GRENOBLE))
    add(engine, a_profile("other", occupations=[{"rome_code": "A1101", "priority": 1}]))

    assert examined(engine, an_offer()) == {"near", "neighbour"}
    ranked = engine.rank_seekers(offer_from_event(an_offer()))
    assert [c.seeker_id for c in ranked] == ["near", "neighbour"]
    assert ranked[0].scored.score > ranked[1].scored.score


def test_the_index_grows_and_a_changed_seeker_moves(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    for n in range(10):
        add(engine, a_profile(f"s-{n}"))
    add(engine, a_profile("s-3", version=2, place=GRENOBLE))

    assert len(engine) == 10
    assert examined(engine, an_offer()) == {f"s-{n}" for n in range(10)} - {"s-3"}
    assert examined(engine, an_offer(place=GRENOBLE)) == {"s-3"}


def test_a_removed_seeker_leaves_nothing_behind(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    add(engine, a_profile("gone"))
    engine.alerted["o-1"].add("gone")
    engine.reject("gone", "o-2")

    assert engine.remove("gone")

    assert engine.index == {}
    assert "gone" not in engine.ids
    assert engine.slot_of == {}
    assert engine.alerted["o-1"] == set()
    assert not engine.rejected
    assert engine.rank_seekers(offer_from_event(an_offer())) == []
    assert not engine.remove("gone")


def test_the_same_seekers_rebuild_the_same_index(
    graph: OccupationGraph, a_profile: ProfileBuilder
) -> None:
    profiles = [
        a_profile(f"s-{n}", radius_km=5 + n * 7, occupations=[{"rome_code": r, "priority": 1}])
        for n, r in enumerate(["K2204", "K1304", "K2204", "A1101", "K1304"])
    ]
    first, second = MatchingEngine(graph), MatchingEngine(graph)
    for p in profiles:
        add(first, p)
    for p in profiles:
        add(second, p)

    assert index_contents(first) == index_contents(second)
    assert len(first.index) > 5


def test_the_vectorised_bound_never_drops_an_exact_match_and_equals_brute_force(
    graph: OccupationGraph, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    rng = random.Random(7)
    engine = MatchingEngine(graph, min_score=0.4)
    romes = ["K2204", "K1304", "G1501", "A1101"]
    contracts = ["CDI", "CDD", "MIS"]
    skills = ["nettoyage", "autolaveuse", "vitrerie", "accueil"]
    for n in range(400):
        add(
            engine,
            a_profile(
                f"s-{n}",
                occupations=[
                    {"rome_code": r, "priority": i + 1}
                    for i, r in enumerate(rng.sample(romes, rng.randint(1, 2)))
                ],
                place={
                    "commune_code": "69123",
                    "latitude": 45.76 + rng.uniform(-0.5, 0.5),
                    "longitude": 4.83 + rng.uniform(-0.5, 0.5),
                },
                radius_km=rng.choice([0, 5, 10, 30, 60]),
                contract_types=[
                    {"contract_type": c, "priority": i + 1}
                    for i, c in enumerate(rng.sample(contracts, rng.randint(0, 2)))
                ],
                working_time=rng.choice(["any", "full_time", "part_time"]),
                min_monthly_salary_eur=rng.choice([None, 1500, 2200]),
                skills=rng.sample(skills, rng.randint(0, 3)),
                languages=rng.sample(["fr", "en", "es"], rng.randint(0, 2)),
                experience_years=rng.randint(0, 6),
            ),
        )
    for n in range(40):
        offer = offer_from_event(
            an_offer(
                f"o-{n}",
                rome_code=rng.choice(romes),
                place={
                    "commune_code": "69123",
                    "latitude": 45.76 + rng.uniform(-0.4, 0.4),
                    "longitude": 4.83 + rng.uniform(-0.4, 0.4),
                },
                contract_type=rng.choice(contracts),
                working_time=rng.choice(["full_time", "part_time"]),
                salary_min_monthly_eur=rng.choice([None, 1800, 2500]),
                experience_required=rng.choice(["D", "S", "E"]),
                experience_months=rng.choice([0, 24, 60]),
                skills=[{"label": s, "required": True} for s in rng.sample(skills, 2)],
                languages=rng.sample(["fr", "en"], rng.randint(0, 1)),
            )
        )
        slots = engine.all_slots()
        bounds, distances = engine.score_bounds(slots, offer)
        for position, slot in enumerate(slots):
            exact = explain(
                engine.seeker(int(slot)),
                offer,
                graph.neighbours_of_offer(offer.rome_code),
                float(distances[position]),
            )
            if exact is not None:
                assert bounds[position] >= exact.score - 1e-4
        by_index = engine.rank_seekers(offer)
        by_scan = engine.rank_seekers(offer, brute_force=True)
        assert [(c.seeker_id, c.scored) for c in by_index] == [
            (c.seeker_id, c.scored) for c in by_scan
        ]
    assert np.count_nonzero(engine.active) == 400


def test_equally_good_seekers_take_turns(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    add(engine, a_profile("a"))
    add(engine, a_profile("b"))
    offer = offer_from_event(an_offer())
    first = engine.rank_seekers(offer)[0]

    engine.alerts[first.slot] += 1

    assert engine.rank_seekers(offer)[0].seeker_id != first.seeker_id


def test_a_changed_profile_finds_open_offers_nearby(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    engine.add_offer(offer_from_event(an_offer("near")))
    engine.add_offer(offer_from_event(an_offer("neighbour-job", rome_code="K1304")))
    engine.add_offer(offer_from_event(an_offer("unrelated", rome_code="G1501")))
    engine.add_offer(offer_from_event(an_offer("far", place=GRENOBLE)))
    engine.add_offer(offer_from_event(an_offer("closed")))
    engine.remove_offer("closed")
    add(engine, a_profile("s-1"))

    assert [o.offer_id for o, _ in engine.rank_offers("s-1")] == ["near", "neighbour-job"]
    add(engine, a_profile("s-1", version=2, occupations=[{"rome_code": "K1304", "priority": 1}]))
    assert [o.offer_id for o, _ in engine.rank_offers("s-1")] == ["neighbour-job", "near"]


def test_a_rejected_offer_is_never_suggested_again(
    engine: MatchingEngine, a_profile: ProfileBuilder, an_offer: OfferBuilder
) -> None:
    engine.add_offer(offer_from_event(an_offer()))
    add(engine, a_profile("s-1"))
    engine.reject("s-1", "o-1")

    assert engine.rank_offers("s-1") == []
    assert engine.rank_seekers(offer_from_event(an_offer())) == []


def test_seekers_outside_the_owned_shards_are_found_whatever_their_consent(
    engine: MatchingEngine, a_profile: ProfileBuilder
) -> None:
    engine.upsert(seeker_from_event(a_profile("s-0")), shard=0)
    engine.upsert(seeker_from_event(a_profile("s-1")), shard=1)
    engine.upsert(seeker_from_event(a_profile("s-2", consent_to_matching=False)), shard=2)
    engine.upsert(seeker_from_event(a_profile("s-1", version=2)))  # keeps its shard

    assert engine.shards() == {"s-0": 0, "s-1": 1, "s-2": 2}
    assert sorted(engine.seekers_outside({1})) == ["s-0", "s-2"]
    assert engine.seekers_outside({0, 1, 2}) == []
    assert sorted(engine.seekers_outside(set())) == ["s-0", "s-1", "s-2"]


def test_a_seeker_moving_to_another_replica_still_counts_in_the_offers_alerts(
    engine: MatchingEngine, a_profile: ProfileBuilder
) -> None:
    engine.upsert(seeker_from_event(a_profile("moved")), shard=0)
    engine.upsert(seeker_from_event(a_profile("erased")), shard=0)
    engine.alerted["o-1"].update({"moved", "erased"})

    assert engine.remove("moved", forget_alerts=False)
    assert engine.remove("erased")

    assert engine.alerted["o-1"] == {"moved"}
    assert engine.shards() == {}
    engine.upsert(seeker_from_event(a_profile("new")))
    assert engine.shards() == {"new": -1}  # a reused slot does not inherit the old shard
