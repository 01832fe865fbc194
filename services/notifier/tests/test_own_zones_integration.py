"""Quiet hours, digest slots and working hours planned in each person's own zone, against the real
Kafka and FerretDB with the notifier's fake clock: overseas seekers and counsellors, and the
nights the clocks change in Europe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from notifier_helpers import (
    SERVICE,
    Events,
    FakeClock,
    Harness,
    Make,
    Rig,
    a_match,
    contact,
    token,
)
from testkit.stack import eventually

from contracts import MatchWithdrawn
from contracts.vocabulary import WithdrawalReason
from notifier.store import as_utc
from servicekit.auth import Role

pytestmark = pytest.mark.integration


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


async def due(harness: Harness, delivery_id: str) -> datetime:
    """When a delivery is due, once it is written."""
    deliveries = harness.notifier.store.deliveries

    async def written() -> bool:
        return await deliveries.get(delivery_id) is not None

    assert await eventually(written, True), delivery_id
    delivery = await deliveries.get(delivery_id)
    assert delivery is not None
    return as_utc(delivery["due_at"])


async def test_an_evening_alert_in_martinique_goes_at_once(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact(time_zone="America/Martinique")
    rig.clock.current = utc(2026, 1, 13, 22, 0)  # 18:00 in Martinique, 23:00 in Paris
    await rig.events.publish(a_match())
    await rig.harness.planned("s-1:o-1")

    assert await due(rig.harness, "s-1:o-1:push") == rig.clock.current
    assert await rig.harness.drain() == 1
    assert len(rig.webhooks.push.received) == 1


async def test_a_night_alert_in_reunion_waits_for_eight_there(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact(time_zone="Indian/Reunion")
    rig.clock.current = utc(2026, 1, 13, 18, 0)  # 22:00 in Réunion, 19:00 in Paris
    await rig.events.publish(a_match())
    await rig.harness.planned("s-1:o-1")

    assert await due(rig.harness, "s-1:o-1:push") == utc(2026, 1, 14, 4, 0)  # 08:00 in Réunion
    assert await rig.harness.drain() == 0
    rig.clock.current = utc(2026, 1, 14, 3, 59)
    assert await rig.harness.drain() == 0
    rig.clock.current = utc(2026, 1, 14, 4, 0)
    assert await rig.harness.drain() == 1
    assert len(rig.webhooks.push.received) == 1


async def test_a_daily_digest_goes_out_at_nine_in_noumea(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact(time_zone="Pacific/Noumea")
    preferences = {"channels": {"new_match": ["inbox", "email"]}, "frequency": "daily"}
    response = await rig.harness.client.put(
        "/seekers/s-1/preferences", json=preferences, headers=token("s-1", Role.SEEKER)
    )
    assert response.status_code == 200, response.text
    rig.clock.current = utc(2026, 1, 13, 10, 0)  # 21:00 in Nouméa, 11:00 in Paris
    await rig.events.publish(a_match(offer_id="o-1"))
    await rig.events.publish(a_match(offer_id="o-2"))
    await rig.harness.planned("s-1:o-1", "s-1:o-2")

    slot = utc(2026, 1, 13, 22, 0)  # 09:00 the next morning in Nouméa (23:00 in Paris)
    assert await due(rig.harness, "s-1:o-1:email") == slot
    assert await due(rig.harness, "s-1:o-2:email") == slot
    rig.clock.current = utc(2026, 1, 13, 21, 59)
    await rig.harness.notifier.sweep()
    assert await rig.harness.drain() == 0
    rig.clock.current = slot
    await rig.harness.notifier.sweep()
    assert await rig.harness.drain() == 1
    [mail] = rig.smtp.mailbox.messages
    assert mail["Subject"] == "Vos 2 nouvelles offres"


async def test_the_night_europe_moves_to_summer_time_martinique_keeps_its_own(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact()  # Paris
    rig.profiles.contacts["s-2"] = contact(
        time_zone="America/Martinique", push_token="push-token-2"
    )
    rig.clock.current = utc(2026, 3, 28, 21, 30)  # 22:30 in Paris, 17:30 in Martinique
    await rig.events.publish(a_match("s-1", "o-1"))
    await rig.events.publish(a_match("s-2", "o-1"))
    await rig.harness.planned("s-1:o-1", "s-2:o-1")

    # Paris goes from 02:00 to 03:00 this night: 08:00 is 06:00 UTC, not 07:00.
    assert await due(rig.harness, "s-1:o-1:push") == utc(2026, 3, 29, 6, 0)
    assert await due(rig.harness, "s-2:o-1:push") == rig.clock.current
    assert await rig.harness.drain() == 1

    rig.clock.current = utc(2026, 3, 29, 1, 30)  # 03:30 summer time in Paris, 21:30 in Martinique
    await rig.events.publish(a_match("s-2", "o-2"))
    await rig.harness.planned("s-2:o-2")
    assert await due(rig.harness, "s-2:o-2:push") == utc(2026, 3, 29, 12, 0)  # 08:00 there

    rig.clock.current = utc(2026, 3, 29, 6, 0)
    assert await rig.harness.drain() == 1
    rig.clock.current = utc(2026, 3, 29, 12, 0)
    assert await rig.harness.drain() == 1
    assert [body["token"] for body in rig.webhooks.push.received] == [
        "push-token-2",
        "push-token-1",
        "push-token-2",
    ]


async def test_the_night_europe_goes_back_to_winter_time_reunion_keeps_its_own(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact()  # Paris
    rig.profiles.contacts["s-2"] = contact(time_zone="Indian/Reunion")
    rig.clock.current = utc(2026, 10, 24, 20, 0)  # 22:00 summer time in Paris, 00:00 in Réunion
    await rig.events.publish(a_match("s-1", "o-1"))
    await rig.events.publish(a_match("s-2", "o-1"))
    await rig.harness.planned("s-1:o-1", "s-2:o-1")

    assert await due(rig.harness, "s-1:o-1:push") == utc(2026, 10, 25, 7, 0)  # 08:00 winter time
    assert await due(rig.harness, "s-2:o-1:push") == utc(2026, 10, 25, 4, 0)  # 08:00 in Réunion


async def test_an_offer_closed_at_night_is_announced_after_quiet_hours_in_reunion(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact(time_zone="Indian/Reunion")
    preferences = {"channels": {"new_match": ["inbox"], "offer_closed": ["inbox", "push"]}}
    response = await rig.harness.client.put(
        "/seekers/s-1/preferences", json=preferences, headers=token("s-1", Role.SEEKER)
    )
    assert response.status_code == 200, response.text
    rig.clock.current = utc(2026, 1, 13, 10, 0)  # 14:00 in Réunion
    await rig.events.publish(a_match())
    await rig.harness.planned("s-1:o-1")

    rig.clock.current = utc(2026, 1, 13, 19, 0)  # 23:00 in Réunion, 20:00 in Paris
    await rig.events.publish(
        MatchWithdrawn(seeker_id="s-1", offer_id="o-1", reason=WithdrawalReason.OFFER_CLOSED)
    )
    assert await due(rig.harness, "s-1:o-1:closed:push") == utc(2026, 1, 14, 4, 0)
    assert await rig.harness.drain() == 0
    assert rig.webhooks.push.received == []


async def test_without_the_profiles_service_the_worker_applies_the_seekers_zone(rig: Rig) -> None:
    rig.profiles.contacts["s-1"] = contact(time_zone="Indian/Reunion")
    rig.profiles.down = True
    rig.clock.current = utc(2026, 1, 13, 18, 0)  # 22:00 in Réunion, 19:00 in Paris
    await rig.events.publish(a_match())
    await rig.harness.planned("s-1:o-1")
    assert await due(rig.harness, "s-1:o-1:push") == rig.clock.current  # zone unknown: due now

    rig.profiles.down = False
    assert await rig.harness.drain() == 1  # claimed, then put back: quiet in Réunion
    assert rig.webhooks.push.received == []
    assert await due(rig.harness, "s-1:o-1:push") == utc(2026, 1, 14, 4, 0)
    rig.clock.current = utc(2026, 1, 14, 4, 0)
    assert await rig.harness.drain() == 1
    assert len(rig.webhooks.push.received) == 1


async def digests(harness: Harness, counsellor_id: str) -> list[dict[str, object]]:
    return [i for i in await harness.counsellor_inbox(counsellor_id) if i["kind"] == "digest"]


async def test_counsellors_digests_follow_their_own_working_day_across_the_change(rig: Rig) -> None:
    rig.clock.current = utc(2026, 3, 27, 12, 0)  # Friday: 13:00 in Paris, 23:00 in Nouméa
    noumea = {"working_hours": {"time_zone": "Pacific/Noumea"}}
    response = await rig.harness.client.put(
        "/counsellors/c-2/preferences", json=noumea, headers=token("c-2", Role.COUNSELLOR)
    )
    assert response.status_code == 200, response.text
    await rig.events.publish(a_match("s-1", "o-1", counsellor_id="c-1"))  # c-1: Paris, by default
    await rig.events.publish(a_match("s-2", "o-1", counsellor_id="c-2"))
    await rig.harness.planned("s-1:o-1", "s-2:o-1")

    # Monday 09:00: in Nouméa, 22:00 UTC on Sunday; in Paris, 07:00 UTC (summer time since Sunday).
    for moment, posted in (
        (utc(2026, 3, 29, 21, 59), set()),
        (utc(2026, 3, 29, 22, 0), {"c-2"}),
        (utc(2026, 3, 30, 6, 59), {"c-2"}),
        (utc(2026, 3, 30, 7, 0), {"c-1", "c-2"}),
    ):
        rig.clock.current = moment
        await rig.harness.notifier.sweep()
        assert {c for c in ("c-1", "c-2") if await digests(rig.harness, c)} == posted, moment
    store = rig.harness.notifier.store
    paris, noumea_counsellor = await store.counsellor("c-1"), await store.counsellor("c-2")
    assert paris is not None
    assert noumea_counsellor is not None
    assert as_utc(paris["next_digest_at"]) == utc(2026, 3, 31, 7, 0)
    assert as_utc(noumea_counsellor["next_digest_at"]) == utc(2026, 3, 30, 22, 0)


async def test_counsellors_who_set_no_hours_work_in_the_services_zone(
    make: Make, events: Events, clock: FakeClock
) -> None:
    async with make(default_time_zone="America/Martinique") as harness:
        defaults = await harness.client.get("/counsellors/c-1/preferences", headers=SERVICE)
        assert defaults.json()["working_hours"]["time_zone"] == "America/Martinique"
        clock.current = utc(2026, 1, 13, 14, 0)  # Tuesday 10:00 in Martinique
        await events.publish(a_match())
        await harness.planned("s-1:o-1")

        clock.current = utc(2026, 1, 14, 12, 59)
        await harness.notifier.sweep()
        assert await digests(harness, "c-1") == []
        clock.current = utc(2026, 1, 14, 13, 0)  # Wednesday 09:00 in Martinique
        await harness.notifier.sweep()
        assert len(await digests(harness, "c-1")) == 1
