"""Time rules in the person's own zone: overseas seekers and counsellors, and the nights the
clocks change in Europe (when Martinique, Réunion and New Caledonia keep theirs)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier.core import counsellor_preferences_of
from notifier.domain.model import DEFAULT_QUIET_HOURS, Frequency, WorkingHours
from notifier.domain.rules import next_digest_at, next_working_start, quiet_until, send_at

PARIS = ZoneInfo("Europe/Paris")
MARTINIQUE = ZoneInfo("America/Martinique")  # UTC-4 all year
REUNION = ZoneInfo("Indian/Reunion")  # UTC+4 all year
NOUMEA = ZoneInfo("Pacific/Noumea")  # UTC+11 all year

# Europe goes to summer time at 01:00 UTC on Sunday 29 March 2026, back at 01:00 UTC on
# Sunday 25 October 2026.
SPRING = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
AUTUMN = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "now", "quiet_end"),
    [
        # 18:00 in Martinique is 23:00 in Paris: not quiet there, whatever Paris says.
        (MARTINIQUE, utc(2026, 1, 13, 22, 0), None),
        (MARTINIQUE, utc(2026, 1, 14, 1, 0), utc(2026, 1, 14, 12, 0)),  # 21:00 → 08:00
        # 22:00 in Réunion is 19:00 in Paris: quiet there until 08:00 Réunion.
        (REUNION, utc(2026, 1, 13, 18, 0), utc(2026, 1, 14, 4, 0)),
        (REUNION, utc(2026, 1, 14, 4, 0), None),
        # 07:30 in Nouméa is 21:30 the evening before in Paris.
        (NOUMEA, utc(2026, 1, 13, 20, 30), utc(2026, 1, 13, 21, 0)),
        (NOUMEA, utc(2026, 1, 13, 21, 0), None),
    ],
)
def test_quiet_hours_end_at_eight_in_the_seekers_own_zone(
    zone: ZoneInfo, now: datetime, quiet_end: datetime | None
) -> None:
    assert quiet_until(now, DEFAULT_QUIET_HOURS, zone) == quiet_end
    assert send_at(now, DEFAULT_QUIET_HOURS, zone) == (quiet_end or now)


@pytest.mark.parametrize("change", [SPRING, AUTUMN])
@pytest.mark.parametrize("zone", [MARTINIQUE, REUNION, NOUMEA])
def test_overseas_nights_do_not_move_when_europe_changes_its_clocks(
    change: datetime, zone: ZoneInfo
) -> None:
    local = change.astimezone(zone)
    day = local.date() if local.time() >= time(21, 0) else local.date() - timedelta(days=1)
    evening = datetime.combine(day, time(21, 0), tzinfo=zone).astimezone(UTC)
    week_before = datetime.combine(day - timedelta(days=7), time(21, 0), tzinfo=zone)
    assert evening - week_before.astimezone(UTC) == timedelta(days=7)
    for moment in (
        evening,
        evening + timedelta(hours=5, minutes=30),
        evening + timedelta(hours=10, minutes=59),
    ):
        assert quiet_until(moment, DEFAULT_QUIET_HOURS, zone) == evening + timedelta(hours=11)
    assert quiet_until(evening + timedelta(hours=11), DEFAULT_QUIET_HOURS, zone) is None


def test_a_paris_night_shrinks_in_spring_and_stretches_in_autumn() -> None:
    spring_evening = datetime(2026, 3, 28, 21, 0, tzinfo=PARIS).astimezone(UTC)
    autumn_evening = datetime(2026, 10, 24, 21, 0, tzinfo=PARIS).astimezone(UTC)
    spring_end = quiet_until(SPRING, DEFAULT_QUIET_HOURS, PARIS)
    autumn_end = quiet_until(AUTUMN, DEFAULT_QUIET_HOURS, PARIS)
    assert spring_end == utc(2026, 3, 29, 6, 0)  # 08:00 summer time
    assert autumn_end == utc(2026, 10, 25, 7, 0)  # 08:00 winter time
    assert spring_end - spring_evening == timedelta(hours=10)
    assert autumn_end - autumn_evening == timedelta(hours=12)


@pytest.mark.parametrize(
    ("zone", "now", "slot"),
    [
        (MARTINIQUE, utc(2026, 1, 13, 14, 0), utc(2026, 1, 14, 13, 0)),  # 10:00 → 09:00 next day
        (REUNION, utc(2026, 1, 13, 4, 0), utc(2026, 1, 13, 5, 0)),  # 08:00 → 09:00 same day
        (NOUMEA, utc(2026, 1, 13, 10, 0), utc(2026, 1, 13, 22, 0)),  # 21:00 → 09:00 next day
        # The night of the change: Paris moves its 09:00 an hour earlier in UTC, Nouméa not.
        (PARIS, utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 7, 0)),
        (PARIS, utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 8, 0)),
        (NOUMEA, utc(2026, 3, 28, 12, 0), utc(2026, 3, 28, 22, 0)),
        (NOUMEA, utc(2026, 10, 24, 12, 0), utc(2026, 10, 24, 22, 0)),
    ],
)
def test_daily_digests_go_out_at_nine_in_the_seekers_own_zone(
    zone: ZoneInfo, now: datetime, slot: datetime
) -> None:
    assert next_digest_at(now, Frequency.DAILY, zone) == slot
    assert slot.astimezone(zone).time() == time(9, 0)


def test_a_weekly_digest_lands_on_the_seekers_own_monday() -> None:
    sunday_evening_in_paris = utc(2026, 1, 18, 21, 30)  # already Monday 08:30 in Nouméa
    slot = next_digest_at(sunday_evening_in_paris, Frequency.WEEKLY, NOUMEA)
    assert slot == utc(2026, 1, 18, 22, 0)
    assert slot.astimezone(NOUMEA).weekday() == 0


@pytest.mark.parametrize(
    ("zone", "friday", "monday"),
    [
        (PARIS, utc(2026, 3, 27, 8, 0), utc(2026, 3, 30, 7, 0)),
        (MARTINIQUE, utc(2026, 3, 27, 13, 0), utc(2026, 3, 30, 13, 0)),
        (REUNION, utc(2026, 3, 27, 5, 0), utc(2026, 3, 30, 5, 0)),
        (NOUMEA, utc(2026, 3, 26, 22, 0), utc(2026, 3, 29, 22, 0)),
    ],
)
def test_counsellors_start_at_nine_their_time_on_either_side_of_the_change(
    zone: ZoneInfo, friday: datetime, monday: datetime
) -> None:
    hours = WorkingHours(time_zone=zone.key)
    assert next_working_start(friday - timedelta(minutes=1), hours) == friday
    assert next_working_start(friday, hours) == monday
    assert monday.astimezone(zone).weekday() == 0


def test_a_counsellor_without_working_hours_gets_the_services_zone() -> None:
    assert counsellor_preferences_of(None, "Indian/Reunion").working_hours.time_zone == (
        "Indian/Reunion"
    )
    own = {"preferences": {"working_hours": {"time_zone": "Pacific/Noumea"}}}
    assert counsellor_preferences_of(own, "Indian/Reunion").working_hours.time_zone == (
        "Pacific/Noumea"
    )
