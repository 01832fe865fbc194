"""match-found read in batches: poison set aside one by one, the rest alerted exactly once."""

from __future__ import annotations

import json

import pytest
from notifier_helpers import Events, Make, Profiles, a_match, contact

from contracts import DEAD_LETTER, MATCH_FOUND, topic_name
from servicekit.settings import KafkaSettings
from servicekit.testing import eventually, header, read_records

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
        assert await eventually(lambda: store.inbox.count_documents(matches), 41) == 41
        assert await store.alerts.count_documents({}) == 41
        await harness.planned(*(f"{s}:{o}" for s in seekers for o in ("o-1", "o-2")), "s-0:o-3")
        assert await store.deliveries.count_documents({"channel": "push"}) == 41

        for seeker_id in seekers:
            feed = await store.feed.find({"recipient": f"seeker:{seeker_id}"}).to_list(None)
            wanted = [1, 2, 3] if seeker_id == "s-0" else [1, 2]
            assert sorted(entry["seq"] for entry in feed) == wanted, seeker_id
        english = (await harness.inbox("s-3"))[0]
        assert english["title"].startswith("A job for you")
        assert (await harness.inbox("s-4"))[0]["title"].startswith("Une offre pour vous")

        records = await read_records(kafka, DEAD_LETTER, 2)
        reasons = sorted(header(record, "x-dead-letter-reason") or "" for record in records)
        assert "invalid event: event_id" in reasons[0]
        assert reasons[1].startswith("not valid JSON")
        assert await harness.drain() == 41
