"""The notifier against the real Kafka and FerretDB, a real SMTP server and webhook receivers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from notifier_helpers import (
    SERVICE,
    Events,
    FakeClock,
    Harness,
    Make,
    Profiles,
    Smtp,
    Webhooks,
    a_match,
    contact,
    token,
)
from testkit.builders import profile_updated
from testkit.stack import eventually

from contracts import MatchWithdrawn, ProfileDeleted
from notifier.due import DueIndex
from servicekit.auth import Role

pytestmark = pytest.mark.integration


async def deliveries_planned(harness: Harness) -> None:
    """Waits until the match's two deliveries are planned."""
    await eventually(lambda: harness.notifier.store.deliveries.raw.count_documents({}), 2)


async def match_planned(harness: Harness, events: Events) -> None:
    await events.publish(a_match())
    await deliveries_planned(harness)


async def held_until(
    harness: Harness, clock: FakeClock, webhooks: Webhooks, **delta: float
) -> None:
    """Nothing goes out yet; once the clock has moved on by `delta`, the one push does."""
    assert await harness.drain() == 0
    assert webhooks.push.received == []
    clock.advance(**delta)
    assert await harness.drain() == 1
    assert len(webhooks.push.received) == 1


async def test_duplicated_events_give_one_inbox_item_and_one_push(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    first = await events.publish(a_match())
    await events.publish(a_match(), envelope=first)  # the same event, redelivered
    await events.publish(a_match(score=0.9))  # another event about the same seeker and offer

    assert await eventually(harness.inbox_size, 1) == 1
    await harness.planned("s-1:o-1")
    assert await harness.drain() == 1
    assert await harness.drain() == 0

    [item] = await harness.inbox()
    assert item["title"] == "Une offre pour vous : Agent d'entretien o-1"
    assert "dans les 15 km que vous acceptez" in item["body"]
    assert [body["token"] for body in webhooks.push.received] == ["push-token-1"]
    assert webhooks.push.keys == ["s-1:o-1:push"]
    status = await harness.status("s-1:o-1")
    assert status["status"] == "delivered"
    assert status["channels"]["push"]["status"] == "sent"
    assert status["channels"]["inbox"]["status"] == "delivered"


async def test_quiet_hours_hold_a_push_until_the_window_ends(
    harness: Harness, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 1, 13, 21, 30, tzinfo=UTC)  # 22:30 in Paris
    await events.publish(a_match())
    assert await eventually(harness.inbox_size, 1) == 1  # the inbox is silent: it gets it now
    await harness.planned("s-1:o-1")

    assert await harness.drain() == 0
    clock.current = datetime(2026, 1, 14, 6, 59, tzinfo=UTC)  # 07:59 in Paris
    await held_until(harness, clock, webhooks, minutes=1)


async def test_pushes_beyond_three_an_hour_fold_into_the_next_digest(
    harness: Harness, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    for n in range(5):
        await events.publish(a_match(offer_id=f"o-{n}", score=0.5 + n / 10))
    assert await eventually(harness.inbox_size, 5) == 5
    await eventually(
        lambda: harness.notifier.store.deliveries.raw.count_documents({"channel": "push"}), 5
    )

    assert await harness.drain() == 5
    assert len(webhooks.push.received) == 3
    assert await harness.notifier.gather_digests(clock.now()) == 0  # not before the slot

    clock.current = datetime(2026, 1, 14, 8, 0, tzinfo=UTC)  # 09:00 in Paris, next morning
    assert await harness.notifier.gather_digests(clock.now()) == 1
    assert await harness.drain() == 1
    digest = webhooks.push.received[-1]
    assert digest["title"] == "Vos 2 nouvelles offres"
    assert len(webhooks.push.received) == 4


async def test_a_daily_digest_sends_one_email_with_every_match(
    harness: Harness, events: Events, smtp: Smtp, clock: FakeClock
) -> None:
    preferences = {"channels": {"new_match": ["inbox", "email"]}, "frequency": "daily"}
    response = await harness.client.put(
        "/seekers/s-1/preferences", json=preferences, headers=token("s-1", Role.SEEKER)
    )
    assert response.status_code == 200, response.text
    await events.publish(a_match(offer_id="o-1", score=0.6))
    await events.publish(a_match(offer_id="o-2", score=0.9))
    assert await eventually(harness.inbox_size, 2) == 2
    await harness.planned("s-1:o-1", "s-1:o-2")

    assert await harness.drain() == 0
    assert smtp.mailbox.messages == []
    clock.current = datetime(2026, 1, 14, 8, 0, tzinfo=UTC)
    await harness.notifier.sweep()
    assert await harness.drain() == 1

    [mail] = smtp.mailbox.messages
    assert mail["To"] == "amina@example.org"
    assert mail["Subject"] == "Vos 2 nouvelles offres"
    body = mail.get_payload(decode=True).decode()
    assert body.index("o-2") < body.index("o-1")  # best match first


async def test_review_before_send_holds_until_the_counsellor_approves(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    await events.publish(a_match(needs_review=True))
    await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
    assert await eventually(lambda: _count(harness.counsellor_inbox), 1) == 1

    assert await harness.drain() == 0
    assert await harness.inbox() == []
    assert (await harness.status("s-1:o-1"))["status"] == "held"
    [review] = await harness.counsellor_inbox()
    assert review["kind"] == "review"
    held = await harness.client.get(
        "/counsellors/c-1/held-alerts", headers=token("c-1", Role.COUNSELLOR)
    )
    assert [a["alert_id"] for a in held.json()] == ["s-1:o-1"]
    seeker_view = await harness.client.get(
        "/alerts/s-1:o-1/status", headers=token("s-1", Role.SEEKER)
    )
    assert seeker_view.json()["status"] == "queued"

    approve = "/held-alerts/s-1:o-1/approve"
    assert (
        await harness.client.post(approve, headers=token("c-2", Role.COUNSELLOR))
    ).status_code == 403
    assert (
        await harness.client.post(approve, headers=token("s-1", Role.SEEKER))
    ).status_code == 403
    response = await harness.client.post(
        approve,
        json={"note": "Appelez-moi avant de postuler."},
        headers=token("c-1", Role.COUNSELLOR),
    )
    assert response.status_code == 200, response.text
    again = await harness.client.post(approve, headers=token("c-1", Role.COUNSELLOR))
    assert again.status_code == 409

    [item] = await harness.inbox()
    assert "Le mot de votre conseiller : Appelez-moi avant de postuler." in item["body"]
    assert await harness.drain() == 1
    assert len(webhooks.push.received) == 1
    assert (await harness.status("s-1:o-1"))["status"] == "delivered"


async def test_a_rejected_alert_never_reaches_the_seeker(harness: Harness, events: Events) -> None:
    await events.publish(a_match(needs_review=True))
    await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
    response = await harness.client.post(
        "/held-alerts/s-1:o-1/reject", headers=token("c-1", Role.COUNSELLOR)
    )
    assert response.json()["status"] == "rejected"
    assert await harness.drain() == 0
    assert await harness.inbox() == []
    seeker_view = await harness.client.get(
        "/alerts/s-1:o-1/status", headers=token("s-1", Role.SEEKER)
    )
    assert seeker_view.json()["status"] == "cancelled"


async def test_held_alerts_go_out_by_themselves_after_the_delay(
    make: Make, profiles: Profiles, events: Events, clock: FakeClock
) -> None:
    profiles.contacts["s-1"] = contact()
    async with make(auto_release_hours=4) as harness:
        await events.publish(a_match(needs_review=True))
        await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
        clock.advance(hours=3)
        await harness.notifier.sweep()
        assert await harness.inbox() == []
        clock.advance(hours=1)
        await harness.notifier.sweep()
        assert len(await harness.inbox()) == 1


async def test_withdrawal_cancels_what_is_unsent_and_closes_what_was_seen(
    harness: Harness, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 1, 13, 22, 0, tzinfo=UTC)  # quiet: the push waits
    await events.publish(a_match())
    assert await eventually(harness.inbox_size, 1) == 1
    await harness.planned("s-1:o-1")
    await events.publish(MatchWithdrawn(seeker_id="s-1", offer_id="o-1", reason="offer_closed"))
    store = harness.notifier.store
    closed, cancelled = {"offer_closed": True}, {"status": "cancelled"}
    assert await eventually(lambda: store.inbox.raw.count_documents(closed), 1) == 1
    assert await eventually(lambda: store.deliveries.raw.count_documents(cancelled), 1) == 1

    clock.advance(hours=12)
    assert await harness.drain() == 0
    assert webhooks.push.received == []
    [item] = await harness.inbox()
    assert item["offer_closed"] is True
    assert item["seq"] == 2  # moved to the head of the stream, so live clients see the change
    status = await harness.status("s-1:o-1")
    assert status["offer_closed"] is True
    assert status["channels"]["push"]["status"] == "cancelled"


async def test_a_withdrawal_seen_before_its_match_silences_it(
    harness: Harness, events: Events
) -> None:
    await events.publish(MatchWithdrawn(seeker_id="s-1", offer_id="o-1", reason="offer_closed"))
    await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
    await events.publish(a_match())
    await events.publish(a_match(offer_id="o-2"))
    assert await eventually(harness.inbox_size, 1) == 1
    assert [i["offer_id"] for i in await harness.inbox()] == ["o-2"]


async def test_a_failing_channel_is_retried_with_backoff_then_dead_lettered(
    make: Make, profiles: Profiles, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    profiles.contacts["s-1"] = contact()
    async with make(max_attempts=3) as harness:
        webhooks.push.failures = [503, 503, 503]
        await events.publish(a_match())
        assert await eventually(harness.inbox_size, 1) == 1
        await deliveries_planned(harness)
        assert await harness.drain() == 1
        push = (await harness.status("s-1:o-1"))["channels"]["push"]
        assert (push["status"], push["attempts"]) == ("queued", 1)
        clock.advance(seconds=59)
        assert await harness.drain() == 0  # first retry after 60 s
        clock.advance(seconds=1)
        assert await harness.drain() == 1
        clock.advance(seconds=120)  # then 120 s
        assert await harness.drain() == 1

        push = (await harness.status("s-1:o-1"))["channels"]["push"]
        assert (push["status"], push["attempts"]) == ("failed", 3)
        [dead] = await harness.notifier.store.dead_letters.raw.find().to_list(None)
        assert dead["reason"] == "webhook answered 503"
        assert dead["channel"] == "push"
        assert webhooks.push.received == []


async def test_a_channel_that_recovers_sends_once(
    harness: Harness, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    webhooks.push.failures = [500]
    await match_planned(harness, events)
    await harness.drain()
    clock.advance(minutes=1)
    await harness.drain()
    assert len(webhooks.push.received) == 1
    assert (await harness.status("s-1:o-1"))["channels"]["push"]["attempts"] == 2


async def test_a_crash_after_claiming_retries_after_the_lease(
    harness: Harness, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    await match_planned(harness, events)
    store = harness.notifier.store
    claimed = await store.claim_due(clock.now(), harness.notifier.lease, "crashed-replica")
    assert claimed is not None
    await held_until(harness, clock, webhooks, seconds=61)  # leased by the crashed replica


async def test_a_claimer_that_died_before_moving_the_generation_on_is_repaired(
    harness: Harness, events: Events, webhooks: Webhooks, clock: FakeClock
) -> None:
    await match_planned(harness, events)
    store = harness.notifier.store
    planned = await store.deliveries.raw.find({"status": "queued"}).to_list(None)
    # A replica inserted its claims and died before writing the next generation.
    for delivery in planned:
        await store.claims.raw.insert_one(
            {"_id": f"{delivery['_id']}#0", "seeker_id": "s-1", "owner": "x", "at": clock.now()}
        )
    assert await harness.drain() == 0  # their leases run
    clock.advance(seconds=61)
    assert await harness.drain() == len(planned)
    assert len(webhooks.push.received) == 1
    for delivery in planned:
        settled = await store.deliveries.raw.find_one({"_id": delivery["_id"]})
        assert settled is not None
        assert (settled["status"], settled["generation"]) == ("sent", 2)


async def test_claims_start_from_the_index_and_a_rescan_finds_what_others_planned(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    store = harness.notifier.store
    assert await harness.drain() == 0  # the first claim reads the store
    await events.publish(a_match())
    await harness.planned("s-1:o-1")  # the deliveries are written and indexed
    # As if another replica had planned them: this one's index does not know them.
    store.due = DueIndex()
    store.rescan_s = store.idle_rescan_s = 3600.0
    assert await harness.drain() == 0
    assert webhooks.push.received == []

    store.idle_rescan_s = 0.0  # nothing known is due: read the store
    store._rescan_took = 0.0  # with no pacing left over from a slow first rescan
    assert (
        await harness.drain() == await store.deliveries.raw.count_documents({"status": "sent"}) == 1
    )
    assert len(webhooks.push.received) == 1


async def test_a_known_seekers_push_budget_is_counted_from_their_record(
    harness: Harness,
    events: Events,
    webhooks: Webhooks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await harness.client.put(
        "/seekers/s-1/preferences", json={"max_push_per_hour": 2}, headers=SERVICE
    )

    async def no_query(*args: Any) -> list[datetime]:
        raise AssertionError("a known seeker's pushes are read from their record")

    monkeypatch.setattr(harness.notifier.store, "sent_since", no_query)
    for n in range(4):
        await events.publish(a_match(offer_id=f"o-{n}"))
    await eventually(
        lambda: harness.notifier.store.deliveries.raw.count_documents({"channel": "push"}), 4
    )

    assert await harness.drain() == 4
    assert len(webhooks.push.received) == 2
    seeker = await harness.notifier.store.seeker("s-1")
    assert seeker is not None
    assert len(seeker["pushes_sent_at"]) == 2
    waiting = await harness.notifier.store.deliveries.raw.count_documents(
        {"channel": "push", "status": "waiting_digest"}
    )
    assert waiting == 2


async def test_no_smartphone_alerts_go_through_the_counsellor(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    await events.publish(a_match(via_counsellor=True))
    assert await eventually(lambda: _count(harness.counsellor_inbox), 1) == 1
    [relay] = await harness.counsellor_inbox()
    assert relay["kind"] == "relay"
    assert relay["title"].startswith("À transmettre à s-1")
    assert await harness.drain() == 0
    assert await harness.inbox() == []
    assert webhooks.push.received == []


async def test_a_strong_match_alerts_the_counsellor_too(harness: Harness, events: Events) -> None:
    await events.publish(a_match(strong=True))
    assert await eventually(lambda: _count(harness.counsellor_inbox), 1) == 1
    assert (await harness.counsellor_inbox())[0]["kind"] == "strong"
    assert await eventually(harness.inbox_size, 1) == 1


async def test_profile_facts_ask_for_review_even_without_the_flag(
    harness: Harness, events: Events
) -> None:
    profile = profile_updated("s-1", counsellor_id="c-7", review_before_send=True)
    await events.publish(profile)
    await eventually(lambda: _seeker_known(harness), True)
    await events.publish(a_match(counsellor_id=None))
    await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
    alert = await harness.notifier.store.alert("s-1:o-1")
    assert alert is not None
    assert (alert["status"], alert["counsellor_id"]) == ("held", "c-7")


async def test_erasure_purges_inbox_preferences_and_deliveries(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    await harness.client.put(
        "/seekers/s-1/preferences", json={"frequency": "weekly"}, headers=SERVICE
    )
    await events.publish(a_match())
    assert await eventually(harness.inbox_size, 1) == 1
    await harness.planned("s-1:o-1")
    await events.publish(ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC)))
    assert await eventually(harness.inbox_size, 0) == 0

    store = harness.notifier.store
    await events.publish(a_match(offer_id="o-late"))
    await asyncio.sleep(2)  # time for the late match to be consumed (and ignored)
    assert not await harness.alert_exists("s-1:o-late")
    assert await store.deliveries.raw.count_documents({"seeker_id": "s-1"}) == 0
    assert await store.alerts.raw.count_documents({"seeker_id": "s-1"}) == 0
    assert await store.inbox.raw.count_documents({"seeker_id": "s-1"}) == 0
    assert await store.seeker("s-1") == {"_id": "s-1", "erased": True}
    assert await store.seekers.raw.count_documents({"_id": "s-1"}) == 0
    assert "s-1" not in repr(await store.erasures.raw.find({}).to_list(None))
    preferences = await harness.client.get("/seekers/s-1/preferences", headers=SERVICE)
    assert preferences.json()["frequency"] == "instant"
    assert await harness.drain() == 0


async def test_what_a_plan_wrote_during_an_erasure_is_swept_with_the_stream_counter(
    harness: Harness,
) -> None:
    store = harness.notifier.store
    await store.erase("s-4", datetime.now(UTC))
    # A plan read the seeker before the erasure and writes their alert after it: the inbox
    # item, its place on the stream and the stream's counter come back.
    item = {
        "_id": "match:s-4:o-1",
        "recipient": "seeker:s-4",
        "kind": "match",
        "seeker_id": "s-4",
        "created_at": datetime.now(UTC),
    }
    assert [added["seq"] for added in await store.add_to_inboxes([item])] == [1]
    assert await store.sequences.raw.count_documents({"_id": "seeker:s-4"}) == 1

    assert await store.erased_among(["s-4", "s-5"]) == {"s-4"}
    await store.forget_seekers(["s-4"])

    for name in await store.inbox.raw.database.list_collection_names():
        left = await store.inbox.raw.database[name].find({}).to_list(None)
        assert "s-4" not in repr(left), name


async def test_erasures_in_one_batch_take_those_seekers_and_nobody_else(
    harness: Harness, events: Events, profiles: Profiles
) -> None:
    for seeker_id in ("s-1", "s-2", "s-3"):
        profiles.contacts[seeker_id] = contact()
        await events.publish(a_match(seeker_id=seeker_id))
    for seeker_id in ("s-1", "s-2", "s-3"):
        assert await eventually(lambda s=seeker_id: harness.inbox_size(s), 1) == 1
    await harness.planned("s-1:o-1", "s-2:o-1", "s-3:o-1")

    await harness.notifier.purge_seekers_on_profile_deleted(
        [
            ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC)),
            ProfileDeleted(seeker_id="s-2", deleted_at=datetime.now(UTC)),
            ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC)),  # redelivered
        ]
    )

    store = harness.notifier.store
    for erased in ("s-1", "s-2"):
        assert await harness.inbox_size(erased) == 0
        assert await store.deliveries.raw.count_documents({"seeker_id": erased}) == 0
        assert await store.alerts.raw.count_documents({"seeker_id": erased}) == 0
        assert await store.was_erased(erased)
    assert await harness.inbox_size("s-3") == 1
    assert await store.deliveries.raw.count_documents({"seeker_id": "s-3"}) >= 1
    assert await harness.alert_exists("s-3:o-1")
    assert not await store.was_erased("s-3")


async def test_read_pagination_and_access_rules(harness: Harness, events: Events) -> None:
    for n in range(3):
        await events.publish(a_match(offer_id=f"o-{n}"))
    assert await eventually(harness.inbox_size, 3) == 3
    own = token("s-1", Role.SEEKER)

    page = await harness.client.get("/seekers/s-1/notifications?page_size=2", headers=own)
    assert [len(page.json()["items"]), page.json()["total"], page.json()["unread"]] == [2, 3, 3]
    newest = page.json()["items"][0]["id"]
    read = await harness.client.post(f"/seekers/s-1/notifications/{newest}/read", headers=own)
    assert read.json()["read"] is True
    unread = await harness.client.get("/seekers/s-1/notifications?unread_only=true", headers=own)
    assert unread.json()["total"] == 2

    other = token("s-2", Role.SEEKER)
    assert (
        await harness.client.get("/seekers/s-1/notifications", headers=other)
    ).status_code == 403
    assert (await harness.client.get("/seekers/s-1/notifications")).status_code == 401
    too_big = await harness.client.get("/seekers/s-1/notifications?page_size=101", headers=own)
    assert too_big.status_code == 422
    assert "page_size" in too_big.text
    counsellor = token("c-1", Role.COUNSELLOR)
    assert (
        await harness.client.get("/seekers/s-1/notifications", headers=counsellor)
    ).status_code == 403
    missing = await harness.client.post("/seekers/s-1/notifications/nope/read", headers=own)
    assert missing.status_code == 404
    bad = await harness.client.put(
        "/seekers/s-1/preferences",
        json={"quiet_hours": {"start": "25:00", "end": "08:00"}},
        headers=own,
    )
    assert bad.status_code == 422
    assert "quiet_hours" in bad.text


async def _count(probe: Callable[[], Any]) -> int:
    return len(await probe())


async def _seeker_known(harness: Harness) -> bool:
    return await harness.notifier.store.seeker("s-1") is not None


async def test_racing_workers_send_each_delivery_once(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    await harness.client.put(
        "/seekers/s-1/preferences", json={"max_push_per_hour": 60}, headers=SERVICE
    )
    for n in range(8):
        await events.publish(a_match(offer_id=f"o-{n}"))
    await eventually(
        lambda: harness.notifier.store.deliveries.raw.count_documents({"channel": "push"}), 8
    )

    sent = await asyncio.gather(*(harness.drain() for _ in range(4)))

    assert sum(sent) == 8
    assert sorted(webhooks.push.keys) == sorted(f"s-1:o-{n}:push" for n in range(8))


async def test_racing_reviews_have_one_winner(harness: Harness, events: Events) -> None:
    await events.publish(a_match(needs_review=True))
    await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
    counsellor = token("c-1", Role.COUNSELLOR)

    answers = await asyncio.gather(
        *(
            harness.client.post(f"/held-alerts/s-1:o-1/{decision}", headers=counsellor)
            for decision in ("approve", "reject", "reject", "approve")
        )
    )

    winners = {a.json()["status"] for a in answers if a.status_code == 200}
    assert len(winners) == 1  # repeating the winning decision is fine, contradicting it is not
    assert {a.status_code for a in answers} == {200, 409}
    assert len(await harness.inbox()) == (0 if winners == {"rejected"} else 1)


async def test_a_closed_offer_is_announced_on_the_channels_chosen_for_it(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    preferences = {"channels": {"new_match": ["inbox"], "offer_closed": ["inbox", "push"]}}
    response = await harness.client.put(
        "/seekers/s-1/preferences", json=preferences, headers=SERVICE
    )
    assert response.status_code == 200, response.text
    await events.publish(a_match(offer_id="o-1"))
    await events.publish(a_match(offer_id="o-2"))
    await harness.planned("s-1:o-1", "s-1:o-2")
    await events.publish(MatchWithdrawn(seeker_id="s-1", offer_id="o-1", reason="offer_closed"))
    await events.publish(MatchWithdrawn(seeker_id="s-1", offer_id="o-2", reason="profile_changed"))
    store = harness.notifier.store
    closed = {"offer_closed": True}
    assert await eventually(lambda: store.inbox.raw.count_documents(closed), 2) == 2
    notices = {"kind": "closed"}
    assert await eventually(lambda: store.deliveries.raw.count_documents(notices), 1) == 1

    assert await harness.drain() == 1
    assert [body["title"] for body in webhooks.push.received] == [
        "Offre retirée : Agent d'entretien o-1"
    ]
    assert webhooks.push.keys == ["s-1:o-1:closed:push"]
    await events.publish(MatchWithdrawn(seeker_id="s-1", offer_id="o-1", reason="offer_closed"))
    await asyncio.sleep(1)  # a repeated withdrawal changes nothing
    assert await harness.drain() == 0
    assert len(webhooks.push.received) == 1


async def test_seeker_facts_keep_the_newest_version_and_an_erased_seeker_stays_out(
    harness: Harness,
) -> None:
    store = harness.notifier.store
    assert await store.record_seeker_facts("s-9", 2, {"counsellor_id": "c-2"}) is True
    assert await store.record_seeker_facts("s-9", 1, {"counsellor_id": "c-1"}) is False
    assert await store.record_seeker_facts("s-9", 2, {"counsellor_id": "c-1"}) is False
    assert await store.record_seeker_facts("s-9", 3, {"counsellor_id": "c-3"}) is True
    seeker = await store.seeker("s-9")
    assert seeker is not None
    assert (seeker["counsellor_id"], seeker["version"]) == ("c-3", 3)

    await store.erase("s-9", datetime.now(UTC))

    assert await store.record_seeker_facts("s-9", 4, {"counsellor_id": "c-4"}) is False
    assert await store.seekers.raw.count_documents({"_id": "s-9"}) == 0
