"""match-found and profile-deleted read in batches: poison set aside one by one, the rest
handled exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from notifier_helpers import Events, Make, Profiles, a_match, contact
from testkit.stack import eventually, header, read_records

from contracts import DEAD_LETTER, MATCH_FOUND, PROFILE_DELETED, ProfileDeleted, topic_name
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


async def test_a_batch_with_poison_and_repeats_alerts_each_match_once(
    make: Make, profiles: Profiles, events: Events, kafka: KafkaSettings
) -> None:
    seekers = [f"s-{n}" for n in range(20)]
    for seeker_id in seekers:
        profiles.contacts[seeker_id] = contact(language="en" if seeker_id == "s-3" else "fr")
    sent = []
    for seeker_id in seekers:
        for offer_id in ("o-1", "o-2"):
            sent.append(await events.publish(a_match(seeker_id, offer_id)))
    for envelope in sent[:5]:
        await events.publish(envelope.payload, envelope=envelope)  # redelivered
    topic = topic_name(MATCH_FOUND, kafka.topic_suffix)
    await events.producer.send_and_wait(topic, b'{"not json', key=b"s-0")
    await events.producer.send_and_wait(topic, json.dumps({"event_id": "x"}).encode(), key=b"s-1")
    await events.publish(a_match("s-0", "o-3"))  # after the poison: still alerted

    # Published before the notifier starts, so that it reads them in batches.
    async with make(match_batch_size=100) as harness:
        store = harness.notifier.store
        matches = {"kind": "match"}
        assert await eventually(lambda: store.inbox.raw.count_documents(matches), 41) == 41
        # The alerts are written after the notifications: wait for them too.
        assert await eventually(lambda: store.alerts.raw.count_documents({}), 41) == 41
        await harness.planned(*(f"{s}:{o}" for s in seekers for o in ("o-1", "o-2")), "s-0:o-3")
        assert await store.deliveries.raw.count_documents({"channel": "push"}) == 41

        for seeker_id in seekers:
            feed = await store.feed.raw.find({"recipient": f"seeker:{seeker_id}"}).to_list(None)
            wanted = [1, 2, 3] if seeker_id == "s-0" else [1, 2]
            assert sorted(entry["seq"] for entry in feed) == wanted, seeker_id
        english = (await harness.inbox("s-3"))[0]
        assert english["title"].startswith("A job for you")
        assert english["reasons"] == ["The job is 12 km from home, within the 15 km you accept."]
        assert "- The job is 12 km from home, within the 15 km you accept." in english["body"]
        french = (await harness.inbox("s-4"))[0]
        assert french["title"].startswith("Une offre pour vous")
        assert french["reasons"] == [
            "Le poste est à 12 km de chez vous, dans les 15 km que vous acceptez."
        ]

        records = await read_records(kafka, DEAD_LETTER, 2)
        reasons = sorted(header(record, "x-dead-letter-reason") or "" for record in records)
        assert "invalid event: event_id" in reasons[0]
        assert reasons[1].startswith("not valid JSON")
        assert await harness.drain() == 41


async def test_erasures_read_in_a_batch_set_poison_aside_and_erase_the_rest(
    make: Make, profiles: Profiles, events: Events, kafka: KafkaSettings
) -> None:
    async with make() as harness:
        for seeker_id in ("s-1", "s-2", "s-3"):
            profiles.contacts[seeker_id] = contact()
            await events.publish(a_match(seeker_id, "o-1"))
        await harness.planned("s-1:o-1", "s-2:o-1", "s-3:o-1")

    # Published while no notifier runs, so that the next one reads them in one batch.
    topic = topic_name(PROFILE_DELETED, kafka.topic_suffix)
    await events.publish(ProfileDeleted(seeker_id="s-1", deleted_at=datetime.now(UTC)))
    await events.producer.send_and_wait(topic, b'{"not json', key=b"s-2")
    await events.publish(ProfileDeleted(seeker_id="s-2", deleted_at=datetime.now(UTC)))

    async with make() as harness:
        store = harness.notifier.store
        assert await eventually(lambda: store.alerts.raw.count_documents({}), 1) == 1
        assert await harness.alert_exists("s-3:o-1")
        assert await store.was_erased("s-1")
        assert await store.was_erased("s-2")
        assert await store.inbox.raw.count_documents({"seeker_id": {"$in": ["s-1", "s-2"]}}) == 0
        [record] = await read_records(kafka, DEAD_LETTER, 1)
        assert (header(record, "x-dead-letter-reason") or "").startswith("not valid JSON")
        assert header(record, "x-original-topic") == topic
