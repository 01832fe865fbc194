"""Pure delivery rules: quiet hours (midnight, DST), throttling windows, digest slots, grouping."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifier.domain.model import DEFAULT_QUIET_HOURS, Frequency, QuietHours
from notifier.domain.rules import (
    group_for_digest,
    next_digest_at,
    quiet_until,
    retry_delay,
    send_at,
    within_budget,
)

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("local", "expected_end"),
    [
        (paris(2026, 1, 13, 21, 0), paris(2026, 1, 14, 8, 0)),
        (paris(2026, 1, 13, 23, 59), paris(2026, 1, 14, 8, 0)),
        (paris(2026, 1, 14, 0, 0), paris(2026, 1, 14, 8, 0)),
        (paris(2026, 1, 14, 7, 59), paris(2026, 1, 14, 8, 0)),
    ],
)
def test_quiet_hours_across_midnight_end_next_morning(
    local: datetime, expected_end: datetime
) -> None:
    assert quiet_until(local.astimezone(UTC), DEFAULT_QUIET_HOURS, PARIS) == expected_end


@pytest.mark.parametrize("local", [paris(2026, 1, 13, 8, 0), paris(2026, 1, 13, 20, 59)])
def test_outside_quiet_hours_an_alert_goes_at_once(local: datetime) -> None:
    now = local.astimezone(UTC)
    assert quiet_until(now, DEFAULT_QUIET_HOURS, PARIS) is None
    assert send_at(now, DEFAULT_QUIET_HOURS, PARIS) == now


def test_quiet_hours_within_one_day() -> None:
    lunch = QuietHours(start=time(12, 0), end=time(14, 0))
    assert quiet_until(paris(2026, 1, 13, 13, 0), lunch, PARIS) == paris(2026, 1, 13, 14, 0)
    assert quiet_until(paris(2026, 1, 13, 14, 0), lunch, PARIS) is None
    assert quiet_until(paris(2026, 1, 13, 11, 59), lunch, PARIS) is None


def test_the_night_the_clocks_go_forward_is_one_hour_shorter() -> None:
    evening = paris(2026, 3, 28, 22, 0)  # Europe goes to summer time on 29 March 2026
    end = quiet_until(evening.astimezone(UTC), DEFAULT_QUIET_HOURS, PARIS)
    assert end == paris(2026, 3, 29, 8, 0)
    assert end is not None
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert end - evening.astimezone(UTC) == timedelta(hours=9)


def test_the_night_the_clocks_go_back_is_one_hour_longer() -> None:
    evening = paris(2026, 10, 24, 22, 0)
    end = quiet_until(evening.astimezone(UTC), DEFAULT_QUIET_HOURS, PARIS)
    assert end is not None
    assert end - evening.astimezone(UTC) == timedelta(hours=11)


def test_a_window_ending_in_the_skipped_hour_ends_after_the_gap() -> None:
    night = QuietHours(start=time(22, 0), end=time(2, 30))
    end = quiet_until(paris(2026, 3, 29, 1, 30).astimezone(UTC), night, PARIS)
    assert end is not None
    assert end.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST
    assert quiet_until(end, night, PARIS) is None


def test_no_quiet_hours_means_never_quiet() -> None:
    assert quiet_until(paris(2026, 1, 13, 3, 0), None, PARIS) is None


def test_quiet_hours_need_distinct_bounds() -> None:
    with pytest.raises(ValueError, match="must differ"):
        QuietHours(start=time(8, 0), end=time(8, 0))


def test_quiet_hours_follow_the_seekers_own_zone() -> None:
    now = datetime(2026, 1, 13, 22, 0, tzinfo=UTC)  # 23:00 in Paris, 18:00 in Martinique
    assert quiet_until(now, DEFAULT_QUIET_HOURS, PARIS) is not None
    assert quiet_until(now, DEFAULT_QUIET_HOURS, ZoneInfo("America/Martinique")) is None


def test_throttling_counts_a_sliding_hour() -> None:
    now = datetime(2026, 1, 13, 12, 0, tzinfo=UTC)
    sent = [now - timedelta(minutes=m) for m in (5, 30, 59)]
    assert not within_budget(sent, now, limit=3)
    assert within_budget(sent, now + timedelta(minutes=2), limit=3)  # the 59-minute one left
    assert within_budget(sent[:2], now, limit=3)
    assert within_budget([now - timedelta(hours=1)], now, limit=1)


def test_daily_digest_is_the_next_slot_in_local_time() -> None:
    before = paris(2026, 1, 13, 8, 59).astimezone(UTC)
    after = paris(2026, 1, 13, 9, 0).astimezone(UTC)
    assert next_digest_at(before, Frequency.DAILY, PARIS) == paris(2026, 1, 13, 9, 0)
    assert next_digest_at(after, Frequency.DAILY, PARIS) == paris(2026, 1, 14, 9, 0)


def test_weekly_digest_lands_on_monday() -> None:
    tuesday = paris(2026, 1, 13, 12, 0).astimezone(UTC)
    slot = next_digest_at(tuesday, Frequency.WEEKLY, PARIS)
    assert slot == paris(2026, 1, 19, 9, 0)
    assert slot.astimezone(PARIS).weekday() == 0


def test_retries_back_off_exponentially_up_to_a_cap() -> None:
    delays = [retry_delay(n, base_s=30, cap_s=300).total_seconds() for n in range(1, 6)]
    assert delays == [30, 60, 120, 240, 300]


def test_digest_groups_per_seeker_and_channel_best_first() -> None:
    t = datetime(2026, 1, 13, tzinfo=UTC)
    items = [
        {"seeker_id": "s1", "channel": "push", "score": 0.5, "created_at": t},
        {"seeker_id": "s1", "channel": "push", "score": 0.9, "created_at": t},
        {"seeker_id": "s1", "channel": "email", "score": 0.7, "created_at": t},
        {"seeker_id": "s2", "channel": "push", "score": 0.6, "created_at": t},
    ]
    groups = group_for_digest(items)
    assert set(groups) == {("s1", "push"), ("s1", "email"), ("s2", "push")}
    assert [i["score"] for i in groups[("s1", "push")]] == [0.9, 0.5]
