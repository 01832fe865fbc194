"""The counsellor's decisions on proposals: what is written, when the seeker is told, and how the
proposals then read (no I/O)."""

from datetime import date, timedelta
from typing import Any

from contracts import Place
from trainings.domain.proposals import NearMatch, Seeker, propose, recommended, with_decisions
from trainings.domain.recommendation import (
    Decision,
    State,
    clean,
    decide,
    recommendation_id,
)
from trainings.domain.session import Session

TODAY = date(2027, 1, 4)
METZ = Place(commune_code="57463", postcode="57000", latitude=49.1081, longitude=6.1955)
SEEKER = Seeker(latitude=49.12, longitude=6.18, radius_km=20, occupations=("N4101",))
RECOMMENDED = Decision(State.RECOMMENDED, "c-1", note="Allez-y")
DISMISSED = Decision(State.DISMISSED, "c-1", reason="Déjà le permis")


def a_session(session_id: str = "F1:A1:S1", **changes: Any) -> Session:
    facts: dict[str, Any] = {
        "id": session_id,
        "formation_id": "F1",
        "action_id": "A1",
        "title": "Permis de conduire B",
        "place": METZ,
        "city": "Metz",
        "starts_on": TODAY + timedelta(days=8),
        "ends_on": TODAY + timedelta(days=12),
        "funders": ["4"],
    }
    return Session.model_validate({**facts, **changes})


def test_the_first_recommendation_is_written_and_tells_the_seeker() -> None:
    change = decide(None, RECOMMENDED, ever_told=False)

    assert (change.write, change.tell_seeker) == (True, True)


def test_recommending_again_tells_no_one_and_writes_only_a_new_note() -> None:
    same = decide(RECOMMENDED, RECOMMENDED, ever_told=True)
    new_note = decide(RECOMMENDED, Decision(State.RECOMMENDED, "c-1", note="Dès lundi"), True)

    assert (same.write, same.tell_seeker) == (False, False)
    assert (new_note.write, new_note.tell_seeker) == (True, False)


def test_a_dismissal_is_written_silently_and_undoing_it_does_not_tell_twice() -> None:
    dismissed = decide(None, DISMISSED, ever_told=False)
    after_a_recommendation = decide(DISMISSED, RECOMMENDED, ever_told=True)
    never_told = decide(DISMISSED, RECOMMENDED, ever_told=False)

    assert (dismissed.write, dismissed.tell_seeker) == (True, False)
    assert (after_a_recommendation.write, after_a_recommendation.tell_seeker) == (True, False)
    assert never_told.tell_seeker is True
    assert decide(DISMISSED, DISMISSED, ever_told=False).write is False


def test_ids_and_blank_notes() -> None:
    assert recommendation_id("s-1", "F1:A1:S1") == "s-1#F1:A1:S1"
    assert clean("   ") is None
    assert clean("  Allez-y  ") == "Allez-y"
    assert clean(None) is None


def test_recommended_sessions_come_first_and_one_no_longer_proposed_says_who_recommends_it() -> (
    None
):
    near = [NearMatch(0.5, ("licence_missing",))] * 3
    sessions = [a_session("F1:A1:S1"), a_session("F1:A1:S2", city="Woippy")]
    found = propose(SEEKER, near, sessions, TODAY)
    kept = recommended(SEEKER, a_session("F2:A1:S1", title="CACES R489"), TODAY)
    assert kept is not None

    ordered = with_decisions(found, ["F1:A1:S2", "F2:A1:S1"], [kept])

    assert [p.session.id for p in ordered] == ["F1:A1:S2", "F2:A1:S1", "F1:A1:S1"]
    assert [r.code for r in kept.reasons] == ["recommended", "session", "funding"]
    assert kept.reasons[0].params == {}


def test_a_recommended_session_that_began_or_is_full_is_not_shown() -> None:
    begun = a_session(starts_on=TODAY - timedelta(days=1))
    full = a_session(recruiting=False)

    assert recommended(SEEKER, begun, TODAY) is None
    assert recommended(SEEKER, full, TODAY) is None
