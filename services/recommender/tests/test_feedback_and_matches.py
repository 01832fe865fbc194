"""How feedback changes a seeker's facts; which changes are material (pure: no I/O)."""

from collections.abc import Callable

from contracts import ProfileUpdated
from contracts.vocabulary import FeedbackReason
from recommender.domain.fairness import alert_cap
from recommender.domain.feedback import Feedback, with_feedback
from recommender.domain.matches import escape_key, is_material, keep_best, unescape_key
from recommender.domain.model import seeker_from_event

ProfileBuilder = Callable[..., ProfileUpdated]


def said(reason: FeedbackReason, **facts: object) -> Feedback:
    values: dict[str, object] = {
        "offer_id": "o-1",
        "reason": reason,
        "rome_code": "K2204",
        "contract_type": "CDD",
        "distance_km": 10.0,
        "salary_eur": 1800,
    }
    values.update(facts)
    return Feedback(**values)  # type: ignore[arg-type]


def test_too_far_shrinks_the_radius_below_the_refused_distance(a_profile: ProfileBuilder) -> None:
    seeker = seeker_from_event(a_profile(radius_km=30))

    assert with_feedback(seeker, [said(FeedbackReason.TOO_FAR)]).radius_km == 8.0
    assert with_feedback(seeker, [said(FeedbackReason.TOO_FAR, distance_km=50)]).radius_km == 30


def test_wrong_contract_removes_it_from_the_wishes(a_profile: ProfileBuilder) -> None:
    anything = seeker_from_event(a_profile(contract_types=[]))
    two = seeker_from_event(
        a_profile(
            contract_types=[
                {"contract_type": "CDI", "priority": 1},
                {"contract_type": "CDD", "priority": 2},
            ]
        )
    )

    assert with_feedback(two, [said(FeedbackReason.WRONG_CONTRACT)]).contracts == ("CDI",)
    assert "CDD" not in with_feedback(anything, [said(FeedbackReason.WRONG_CONTRACT)]).contracts
    only = with_feedback(two, [said(FeedbackReason.WRONG_CONTRACT, contract_type="CDI")])
    assert with_feedback(only, [said(FeedbackReason.WRONG_CONTRACT)]).contracts == ("CDD",)


def test_salary_raises_the_minimum_above_the_refused_offer(a_profile: ProfileBuilder) -> None:
    seeker = seeker_from_event(a_profile())

    assert with_feedback(seeker, [said(FeedbackReason.SALARY)]).min_salary == 1801
    unknown = said(FeedbackReason.SALARY, salary_eur=None)
    assert with_feedback(seeker, [unknown]).min_salary is None


def test_not_my_occupation_excludes_it(a_profile: ProfileBuilder) -> None:
    seeker = seeker_from_event(a_profile())

    changed = with_feedback(seeker, [said(FeedbackReason.NOT_MY_OCCUPATION, rome_code="K1304")])

    assert changed.excluded_occupations == {"K1304"}
    assert with_feedback(seeker, [said(FeedbackReason.ALREADY_APPLIED)]) == seeker


def match(score: float, *codes: str) -> dict[str, object]:
    return {"score": score, "reasons": [{"code": c} for c in codes], "missing": []}


def test_only_material_changes_are_worth_an_event() -> None:
    old = match(0.80, "occupation_exact", "distance_within_radius")

    assert is_material(None, old)
    assert not is_material(old, match(0.82, "distance_within_radius", "occupation_exact"))
    assert is_material(old, match(0.86, "occupation_exact", "distance_within_radius"))
    assert is_material(old, match(0.80, "occupation_neighbour", "distance_within_radius"))


def test_the_top_k_keeps_the_best() -> None:
    kept = keep_best({"a": match(0.6), "b": match(0.9), "c": match(0.7)}, 2)

    assert list(kept) == ["b", "c"]


def test_offer_ids_become_safe_field_names() -> None:
    for offer_id in ("O.1", "$x", "100%.", "plain-1"):
        key = escape_key(offer_id)
        assert "." not in key
        assert not key.startswith("$")
        assert unescape_key(key) == offer_id


def test_the_alert_cap_follows_the_positions() -> None:
    assert alert_cap(1, 5.0, 50) == 5
    assert alert_cap(3, 2.5, 50) == 8
    assert alert_cap(100, 5.0, 50) == 50
