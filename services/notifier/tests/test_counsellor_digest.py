"""Counsellor digests, pure: working-day slots (weekends, DST, other zones), urgency, texts."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from notifier.domain.model import CounsellorPreferences, Language, WorkingHours
from notifier.domain.rules import (
    current_working_start,
    next_working_start,
    previous_working_start,
    working_window_end,
)
from notifier.domain.templates import counsellor_digest_message
from notifier.domain.urgency import (
    FEEDBACK,
    INACTIVE,
    MATCH,
    DigestLine,
    inactivity_urgency,
    match_urgency,
    urgent_lines,
)

PARIS = ZoneInfo("Europe/Paris")
OFFICE = WorkingHours()


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (paris(2026, 1, 13, 8, 59), paris(2026, 1, 13, 9, 0)),  # Tuesday, before work
        (paris(2026, 1, 13, 9, 0), paris(2026, 1, 14, 9, 0)),  # at the start: the next one
        (paris(2026, 1, 13, 12, 0), paris(2026, 1, 14, 9, 0)),
        (paris(2026, 1, 16, 17, 30), paris(2026, 1, 19, 9, 0)),  # Friday evening: Monday
        (paris(2026, 1, 17, 10, 0), paris(2026, 1, 19, 9, 0)),  # Saturday: Monday
        (paris(2026, 1, 18, 23, 0), paris(2026, 1, 19, 9, 0)),  # Sunday night: Monday
    ],
)
def test_the_next_digest_goes_out_when_the_next_working_day_starts(
    now: datetime, expected: datetime
) -> None:
    assert next_working_start(now, OFFICE) == expected


def test_working_days_start_at_local_time_across_a_dst_change() -> None:
    # Paris moves to summer time on Sunday 29 March 2026: 09:00 is 08:00 UTC before, 07:00 after.
    assert next_working_start(paris(2026, 3, 27, 12, 0), OFFICE) == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )


def test_custom_days_hours_and_zone() -> None:
    hours = WorkingHours(
        days=[6, 2], start=time(7, 30), end=time(12, 0), time_zone="America/Cayenne"
    )
    assert hours.days == [2, 6]
    now = datetime(2026, 1, 14, 12, 0, tzinfo=UTC)  # Wednesday
    slot = next_working_start(now, hours)
    assert slot == datetime(2026, 1, 17, 10, 30, tzinfo=UTC)  # Saturday 07:30 in Cayenne (UTC-3)
    assert previous_working_start(slot, hours) == datetime(2026, 1, 13, 10, 30, tzinfo=UTC)
    assert working_window_end(slot, hours) == datetime(2026, 1, 17, 15, 0, tzinfo=UTC)


def test_the_previous_working_start_skips_the_weekend() -> None:
    assert previous_working_start(paris(2026, 1, 19, 9, 0), OFFICE) == paris(2026, 1, 16, 9, 0)
    assert previous_working_start(paris(2026, 1, 14, 9, 0), OFFICE) == paris(2026, 1, 13, 9, 0)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (paris(2026, 1, 13, 9, 0), paris(2026, 1, 13, 9, 0)),
        (paris(2026, 1, 13, 16, 59), paris(2026, 1, 13, 9, 0)),
        (paris(2026, 1, 13, 17, 0), None),
        (paris(2026, 1, 13, 8, 59), None),
        (paris(2026, 1, 17, 10, 0), None),  # Saturday
    ],
)
def test_the_working_window_holding_a_moment(now: datetime, expected: datetime | None) -> None:
    assert current_working_start(now, OFFICE) == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days": []}, "days"),
        ({"days": [0]}, "days"),
        ({"days": [8]}, "days"),
        ({"start": "17:00", "end": "09:00"}, "working_hours"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ],
)
def test_impossible_working_hours_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as error:
        CounsellorPreferences.model_validate({"working_hours": changes})
    assert field in str(error.value)


def test_defaults_are_monday_to_friday_nine_to_five_in_paris() -> None:
    preferences = CounsellorPreferences()
    assert preferences.working_hours.days == [1, 2, 3, 4, 5]
    assert (preferences.working_hours.start, preferences.working_hours.end) == (
        time(9, 0),
        time(17, 0),
    )
    assert preferences.working_hours.time_zone == "Europe/Paris"
    assert preferences.language is Language.FR


def test_urgency_grows_with_hiring_difficulty_fit_and_silence() -> None:
    assert match_urgency(80, 0.9) > match_urgency(80, 0.5) > match_urgency(60, 0.5)
    assert inactivity_urgency(14, 14) == 0.5
    assert inactivity_urgency(28, 14) == 0.75
    assert inactivity_urgency(42, 14) == inactivity_urgency(400, 14) == 1.0


AT = paris(2026, 1, 13, 9, 0)


def match(seeker: str, offer: str, rome: str, score: float) -> dict[str, object]:
    return {
        "seeker_id": seeker,
        "offer_id": offer,
        "rome_code": rome,
        "score": score,
        "offer_title": f"Offre {offer}",
    }


def silent(seeker: str, days: int) -> dict[str, object]:
    return {"_id": seeker, "last_activity_at": AT - timedelta(days=days, hours=1)}


def test_lines_are_sorted_by_urgency_and_leave_out_easy_occupations() -> None:
    tension = {"K2204": 80.0, "J1501": 65.0, "M1607": 30.0}
    lines = urgent_lines(
        [
            match("s-1", "o-1", "J1501", 0.9),  # 0.585
            match("s-2", "o-2", "K2204", 0.9),  # 0.72
            match("s-3", "o-3", "M1607", 1.0),  # plenty of candidates: left out
            match("s-4", "o-4", "Z9999", 1.0),  # unknown occupation: left out
        ],
        [silent("s-5", 20), silent("s-6", 13), silent("s-7", 14)],
        tension,
        min_tension_pct=60,
        inactive_days=14,
        at=AT,
    )
    assert [(line.kind, line.seeker_id) for line in lines] == [
        (MATCH, "s-2"),
        (INACTIVE, "s-5"),  # 20 days: 0.6071
        (MATCH, "s-1"),
        (INACTIVE, "s-7"),  # 14 days: 0.5
    ]
    assert lines[1].days_inactive == 20
    assert lines[0].tension_pct == 80.0


def test_a_line_survives_a_trip_through_the_store() -> None:
    line = DigestLine(kind=INACTIVE, seeker_id="s-1", urgency=0.5, days_inactive=14)
    assert DigestLine.of(line.as_doc()) == line


LINES = [
    DigestLine(MATCH, "s-2", 0.72, "o-2", "Agent d'entretien", 80.4, 0.9),
    DigestLine(INACTIVE, "s-5", 0.57, days_inactive=30),
]


def test_the_digest_speaks_plain_french() -> None:
    message = counsellor_digest_message(LINES)
    assert message.title == "Votre point du jour : 2 situations à regarder"
    assert message.body.splitlines() == [
        "Les plus urgentes d'abord.",
        "- s-2 : offre « Agent d'entretien », dans un métier qui manque de candidats "
        "(80 % des recrutements y sont difficiles).",
        "- s-5 : aucune activité depuis 30 jours.",
    ]


def test_the_digest_in_english_counts_what_it_leaves_out() -> None:
    message = counsellor_digest_message(LINES, Language.EN, max_lines=1)
    assert message.title == "Your daily briefing: 2 situations to look at"
    assert message.body.splitlines()[1:] == [
        "- s-2: offer “Agent d'entretien”, in an occupation short of candidates "
        "(80% of hirings there are difficult).",
        "... and 1 more.",
    ]


def test_one_situation_is_singular() -> None:
    assert counsellor_digest_message(LINES[:1]).title == (
        "Votre point du jour : 1 situation à regarder"
    )


def test_a_not_for_me_is_a_line_of_the_digest_with_its_reason() -> None:
    said = {
        "seeker_id": "s-3",
        "offer_id": "o-9",
        "offer_title": "Plongeur",
        "feedback_reason": "too_far",
    }
    lines = urgent_lines(
        [match("s-2", "o-2", "K2204", 0.9)],
        [silent("s-5", 42)],
        {"K2204": 80.0},
        [said],
        min_tension_pct=60,
        inactive_days=14,
        at=AT,
    )
    assert [(line.kind, line.seeker_id, line.urgency) for line in lines] == [
        (INACTIVE, "s-5", 1.0),
        (MATCH, "s-2", 0.72),
        (FEEDBACK, "s-3", 0.5),
    ]
    assert DigestLine.of(lines[2].as_doc()) == lines[2]
    assert lines[2].reason == "too_far"
    assert counsellor_digest_message(lines[2:]).body.splitlines()[1:] == [
        "- s-3 a écarté l'offre « Plongeur » : « C'est trop loin »."
    ]
    assert counsellor_digest_message(lines[2:], Language.EN).body.splitlines()[1:] == [
        "- s-3 turned down “Plongeur”: “It is too far”."
    ]
