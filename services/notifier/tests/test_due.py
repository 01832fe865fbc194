"""The in-process index of queued deliveries (notifier.due), and the pace of store scans."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from notifier.due import DueIndex
from notifier.store import paced

T0 = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_ids_come_out_by_due_time_and_only_once_due() -> None:
    index = DueIndex()
    index.schedule("b", at(20))
    index.schedule("a", at(10))
    index.schedule("c", at(30))

    assert index.pop_due(at(5)) is None
    assert not index.has_due(at(5))
    assert index.has_due(at(20))
    assert [index.pop_due(at(25)), index.pop_due(at(25)), index.pop_due(at(25))] == ["a", "b", None]
    assert len(index) == 1


def test_rescheduling_replaces_the_earlier_time() -> None:
    index = DueIndex()
    index.schedule("a", at(10))
    index.schedule("a", at(60))  # deferred, or leased

    assert index.pop_due(at(30)) is None
    assert not index.has_due(at(30))
    assert index.pop_due(at(60)) == "a"
    assert index.pop_due(at(60)) is None


def test_a_forgotten_id_never_comes_out() -> None:
    index = DueIndex()
    index.schedule("a", at(10))
    index.schedule("b", at(20))
    index.forget("a")

    assert len(index) == 1
    assert index.pop_due(at(30)) == "b"
    assert index.pop_due(at(30)) is None


def test_left_behind_entries_are_dropped_when_they_pile_up() -> None:
    index = DueIndex()
    for n in range(5000):
        index.schedule("a", at(n))  # one id, rescheduled again and again

    assert len(index._heap) <= 2 * len(index) + 1024
    assert index.pop_due(at(4998)) is None
    assert index.pop_due(at(4999)) == "a"


def test_a_long_scan_waits_nine_times_its_length_before_the_next() -> None:
    assert paced(5.0, 0.1) == 5.0
    assert paced(5.0, 2.0) == 18.0
