"""Pure delivery rules: quiet hours, throttling, digest slots, retry backoff, digest grouping."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from notifier.domain.model import Frequency, QuietHours, WorkingHours

K = TypeVar("K", bound=Hashable)


def _at_local(day: datetime, at: time, zone: ZoneInfo) -> datetime:
    """`at` on the local date of `day`, in UTC; a wall time skipped by DST lands after the gap."""
    # fold=0 reads a wall time inside a spring-forward gap with the offset from before the gap,
    # which puts it after the gap (02:30 that does not exist becomes 03:30 summer time).
    return datetime.combine(day.date(), at, tzinfo=zone).astimezone(UTC)


def quiet_until(now: datetime, quiet: QuietHours | None, zone: ZoneInfo) -> datetime | None:
    """When the quiet window holding `now` ends (UTC), or None when `now` is not quiet."""
    if quiet is None:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    crosses_midnight = quiet.start > quiet.end
    if crosses_midnight:
        inside = clock >= quiet.start or clock < quiet.end
    else:
        inside = quiet.start <= clock < quiet.end
    if not inside:
        return None
    end_day = local + timedelta(days=1) if crosses_midnight and clock >= quiet.start else local
    end = _at_local(end_day, quiet.end, zone)
    return end if end > now else now


def send_at(now: datetime, quiet: QuietHours | None, zone: ZoneInfo) -> datetime:
    """An alert inside quiet hours waits for the window to end; it is never dropped."""
    return quiet_until(now, quiet, zone) or now


def next_digest_at(
    now: datetime, frequency: Frequency, zone: ZoneInfo, at: time = time(9, 0), weekday: int = 0
) -> datetime:
    """The next digest slot after `now`: daily at `at`, or weekly on `weekday` (0 = Monday)."""
    local = now.astimezone(zone)
    for days in range(8):
        day = local + timedelta(days=days)
        if frequency is Frequency.WEEKLY and day.weekday() != weekday:
            continue
        slot = _at_local(day, at, zone)
        if slot > now:
            return slot
    raise AssertionError("a slot exists within eight days")  # pragma: no cover


def next_working_start(now: datetime, hours: WorkingHours) -> datetime:
    """The start of the counsellor's next working window strictly after `now` (UTC)."""
    local = now.astimezone(hours.zone)
    for days in range(8):
        day = local + timedelta(days=days)
        if day.isoweekday() in hours.days:
            start = _at_local(day, hours.start, hours.zone)
            if start > now:
                return start
    raise AssertionError("a working day exists within eight days")  # pragma: no cover


def previous_working_start(slot: datetime, hours: WorkingHours) -> datetime:
    """The start of the working window before the one starting at `slot` (UTC)."""
    local = slot.astimezone(hours.zone)
    for days in range(1, 9):
        day = local - timedelta(days=days)
        if day.isoweekday() in hours.days:
            start = _at_local(day, hours.start, hours.zone)
            if start < slot:
                return start
    raise AssertionError("a working day exists within eight days")  # pragma: no cover


def current_working_start(now: datetime, hours: WorkingHours) -> datetime | None:
    """The start of the working window holding `now`, or None outside working hours."""
    start = previous_working_start(next_working_start(now, hours), hours)
    return start if start <= now < working_window_end(start, hours) else None


def working_window_end(slot: datetime, hours: WorkingHours) -> datetime:
    """When the working window that starts at `slot` ends (UTC)."""
    return _at_local(slot.astimezone(hours.zone), hours.end, hours.zone)


def within_budget(
    sent_at: Iterable[datetime], now: datetime, limit: int, window: timedelta = timedelta(hours=1)
) -> bool:
    """True when one more send keeps the count in the sliding window (now - window, now] ≤ limit."""
    recent = sum(1 for moment in sent_at if now - window < moment <= now)
    return recent < limit


def retry_delay(attempt: int, base_s: float, cap_s: float) -> timedelta:
    """Exponential backoff: base, 2·base, 4·base, ... capped."""
    return timedelta(seconds=min(base_s * 2 ** max(attempt - 1, 0), cap_s))


def group_for_digest(
    items: Sequence[dict[str, Any]], key: str = "seeker_id", channel: str = "channel"
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Waiting deliveries grouped by (recipient, channel), best score first, then oldest first."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault((item[key], item[channel]), []).append(item)
    for members in groups.values():
        members.sort(key=lambda item: (-float(item.get("score", 0.0)), item.get("created_at")))
    return groups
