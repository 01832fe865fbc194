"""The fault plan is seeded, complete, and refuses faults it does not know."""

import pytest
from chaoslib.faults import FaultRecord, plan_faults


def test_every_fault_is_planned_with_the_right_number_of_kills() -> None:
    plan = plan_faults(["recommender", "notifier", "outbox", "poison"], 10, 42, (4, 12))

    kinds = [s.kind for s in plan]
    assert kinds.count("recommender") == 10
    assert kinds.count("notifier") == 10
    assert kinds.count("outbox") == 1
    assert kinds.count("poison") == 1
    assert all(4 <= s.gap_s <= 12 for s in plan)


def test_the_plan_depends_on_the_seed_only() -> None:
    kinds = ["recommender", "notifier", "kafka", "ferretdb", "poison"]

    assert plan_faults(kinds, 3, 1, (1, 2)) == plan_faults(kinds, 3, 1, (1, 2))
    assert plan_faults(kinds, 3, 1, (1, 2)) != plan_faults(kinds, 3, 2, (1, 2))


def test_an_unknown_fault_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown faults"):
        plan_faults(["recommender", "datacentre-fire"], 1, 1, (1, 2))


def test_recovery_is_the_longer_of_ready_and_moving() -> None:
    assert FaultRecord("notifier", 1.0, ready_s=3.0, moving_s=5.5).recovery_s == 5.5
    assert FaultRecord("notifier", 1.0, ready_s=3.0).recovery_s == 3.0
    assert FaultRecord("poison", 1.0).recovery_s is None


def test_the_harness_serves_its_own_crashing_recommender(monkeypatch: pytest.MonkeyPatch) -> None:
    from chaoslib import faults, outbox_crash
    from stacklib import procs

    module, _, name = faults.CRASHING_RECOMMENDER["TREMPLIN_STACK_APP_RECOMMENDER"].partition(":")
    assert module == outbox_crash.__name__
    assert hasattr(outbox_crash, name)
    assert faults.CRASH_EXIT_CODE == outbox_crash.CRASH_EXIT_CODE
    monkeypatch.setenv("TREMPLIN_STACK_APP_RECOMMENDER", "chaoslib.outbox_crash:app")
    served = {proc.name: proc.module for proc in procs.service_procs()}
    assert served["recommender"] == "chaoslib.outbox_crash:app"
    assert served["profiles"] == "profiles.main:app"
