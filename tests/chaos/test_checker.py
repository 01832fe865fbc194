"""The invariant checker on hand-made inputs: it must see every loss, duplicate and stray."""

import json
from collections import Counter

from chaoslib.checker import (
    Observed,
    Reception,
    check,
    inbox_counts,
    key_from_message_id,
    parse_key,
    summary_line,
)

SEEKERS = {"s1", "s2"}
OFFERS = {"o1", "o2"}
EXPECTED = {("s1", "o1"): ("inbox", "email"), ("s2", "o2"): ("inbox", "push", "sms")}


def everything() -> Observed:
    return Observed(
        inbox=Counter({("s1", "o1"): 1, ("s2", "o2"): 1}),
        receptions=[
            Reception("email", "s1:o1:email"),
            Reception("push", "s2:o2:push"),
            Reception("sms", "s2:o2:sms"),
        ],
    )


def test_all_delivered_once_passes() -> None:
    verdict = check(EXPECTED, everything(), SEEKERS, OFFERS)

    assert (verdict.expected, verdict.delivered, verdict.lost, verdict.duplicated) == (2, 2, 0, 0)
    assert verdict.expected_deliveries == 5
    assert verdict.passed


def test_a_missing_channel_is_lost() -> None:
    observed = everything()
    observed.receptions = [r for r in observed.receptions if r.channel != "sms"]

    verdict = check(EXPECTED, observed, SEEKERS, OFFERS)

    assert verdict.lost == 1
    assert verdict.delivered == 1
    assert verdict.examples["lost"] == ["s2:o2:sms"]
    assert verdict.by_channel["sms"]["lost"] == 1
    assert not verdict.passed


def test_a_missing_inbox_item_is_lost() -> None:
    observed = everything()
    observed.inbox = Counter({("s1", "o1"): 1})

    verdict = check(EXPECTED, observed, SEEKERS, OFFERS)

    assert verdict.lost == 1
    assert verdict.examples["lost"] == ["s2:o2:inbox"]


def test_two_inbox_items_for_one_alert_are_a_duplicate() -> None:
    observed = everything()
    observed.inbox[("s1", "o1")] += 1

    verdict = check(EXPECTED, observed, SEEKERS, OFFERS)

    assert verdict.duplicated == 1
    assert verdict.delivered == 1
    assert not verdict.passed


def test_two_delivery_ids_for_one_alert_and_channel_are_a_duplicate() -> None:
    observed = everything()
    observed.receptions.append(Reception("email", "s1:o1:email2"))
    observed.receptions.append(Reception("email", "s1:o1:email"))

    verdict = check(EXPECTED, observed, SEEKERS, OFFERS)

    # email2 names another channel in its key, but arrived by email for the same alert
    assert verdict.duplicated == 1
    assert verdict.resent == 1


def test_a_resend_with_the_same_key_is_dropped_by_the_provider_unless_strict() -> None:
    observed = everything()
    observed.receptions.append(Reception("push", "s2:o2:push"))

    lenient = check(EXPECTED, observed, SEEKERS, OFFERS)
    strict = check(EXPECTED, observed, SEEKERS, OFFERS, strict_resends=True)

    assert (lenient.duplicated, lenient.resent, lenient.passed) == (0, 1, True)
    assert (strict.duplicated, strict.resent, strict.passed) == (1, 1, False)


def test_an_alert_nobody_expected_fails_the_run() -> None:
    observed = everything()
    observed.inbox[("s1", "o2")] = 1
    observed.receptions.append(Reception("sms", "s1:o1:sms"))

    verdict = check(EXPECTED, observed, SEEKERS, OFFERS)

    assert verdict.unexpected == 2
    assert sorted(verdict.examples["unexpected"]) == ["s1:o1:sms", "s1:o2:inbox"]
    assert not verdict.passed


def test_other_runs_and_other_offers_are_not_judged() -> None:
    observed = everything()
    observed.inbox[("someone-else", "o1")] = 3
    observed.inbox[("s1", "foreign-offer")] = 2
    observed.receptions.append(Reception("email", "someone-else:o1:email"))

    verdict = check(EXPECTED, observed, SEEKERS, OFFERS)

    assert verdict.passed
    assert verdict.unexpected == 0


def test_an_unreadable_delivery_id_counts_as_unexpected() -> None:
    observed = everything()
    observed.receptions.append(Reception("sms", "garbage"))

    assert check(EXPECTED, observed, SEEKERS, OFFERS).unexpected == 1


def test_delivery_ids_are_read_from_webhook_keys_and_message_ids() -> None:
    assert parse_key("chaos-ab-s00001:chaos-ab-o000002:push") == (
        "chaos-ab-s00001",
        "chaos-ab-o000002",
        "push",
    )
    assert parse_key("a:b") is None
    assert parse_key("a::c") is None
    message_id = "<chaos-ab-s00001.chaos-ab-o000002.email@tremplin.invalid>"
    assert key_from_message_id(message_id) == "chaos-ab-s00001:chaos-ab-o000002:email"
    assert key_from_message_id("<weird@host>") is None


def test_inbox_counts_only_match_notifications() -> None:
    items = [
        {"kind": "match", "seeker_id": "s1", "offer_id": "o1"},
        {"kind": "match", "seeker_id": "s1", "offer_id": "o1"},
        {"kind": "digest", "seeker_id": None, "offer_id": None},
        {"kind": "strong", "seeker_id": "s2", "offer_id": "o2"},
    ]

    assert inbox_counts(items) == Counter({("s1", "o1"): 2})


def test_the_summary_line_starts_with_the_required_figures() -> None:
    verdict = check(EXPECTED, everything(), SEEKERS, OFFERS)

    line = summary_line(
        verdict, offers=2, faults=7, dead_lettered=6, recovery_s_max=12.345, extra={"seed": 1}
    )

    figures = json.loads(line)
    assert list(figures)[:8] == [
        "offers",
        "faults",
        "expected",
        "delivered",
        "lost",
        "duplicated",
        "dead_lettered",
        "recovery_s_max",
    ]
    assert figures["recovery_s_max"] == 12.3
    assert figures["seed"] == 1
    assert "\n" not in line
