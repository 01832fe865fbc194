"""A training a counsellor recommends reaches the seeker, against the real Kafka and FerretDB:
once (redelivered or recommended again), on the channels they chose for their counsellor's
messages, in their language, poison set aside, an erased seeker not alerted."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from notifier_helpers import Events, Harness, Profiles, Smtp, Webhooks, contact, token
from testkit.stack import header, read_records

from contracts import (
    DEAD_LETTER,
    TRAINING_RECOMMENDED,
    TrainingRecommended,
    topic_name,
)
from servicekit.auth import Role
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

ALERT = "s-1:training:F1:A1:S1"


def recommended(seeker_id: str = "s-1", session_id: str = "F1:A1:S1", **changes: Any) -> Any:
    facts: dict[str, Any] = {
        "recommendation_id": f"{seeker_id}#{session_id}",
        "seeker_id": seeker_id,
        "session_id": session_id,
        "counsellor_id": "c-1",
        "note": "Le permis vous ouvrira les offres de berger.",
        "title": "Permis de conduire B",
        "city": "Gap",
        "starts_on": date(2026, 2, 2),
        "recommended_at": datetime(2026, 1, 13, 12, 0, tzinfo=UTC),
    }
    return TrainingRecommended(**(facts | changes))


async def trainings_in(harness: Harness, seeker_id: str = "s-1") -> list[dict[str, Any]]:
    return [i for i in await harness.inbox(seeker_id) if i["kind"] == "training"]


async def test_a_recommended_training_reaches_the_seeker_once_with_the_note(
    harness: Harness, events: Events, webhooks: Webhooks
) -> None:
    said = await events.publish(recommended())
    await events.publish(said.payload, envelope=said)  # redelivered
    await events.publish(recommended(note="Un autre mot"))  # recommended again
    await harness.planned(ALERT)
    await events.publish(recommended(session_id="F1:A1:S2"))
    await harness.planned("s-1:training:F1:A1:S2")

    items = await trainings_in(harness)
    assert sorted(i["session_id"] for i in items) == ["F1:A1:S1", "F1:A1:S2"]
    [first] = [i for i in items if i["session_id"] == "F1:A1:S1"]
    assert first["title"] == "Votre conseiller vous recommande une formation : Permis de conduire B"
    assert "à Gap, qui commence le 02/02/2026" in first["body"]
    assert "Le mot de votre conseiller : Le permis vous ouvrira" in first["body"]
    assert first["offer_id"] is None
    assert await harness.drain() == 2  # one push per training (inbox and push: the defaults)
    pushed = [p for p in webhooks.push.received if "Permis de conduire B" in p["title"]]
    assert len(pushed) == 2
    assert (await harness.status(ALERT))["status"] == "delivered"


async def test_the_seekers_channels_for_counsellor_messages_are_obeyed_in_their_language(
    harness: Harness, events: Events, profiles: Profiles, smtp: Smtp, webhooks: Webhooks
) -> None:
    profiles.contacts["s-1"] = contact(language="en")
    chosen = {"channels": {"counsellor_message": ["inbox", "email"], "new_match": ["inbox"]}}
    answer = await harness.client.put(
        "/seekers/s-1/preferences", json=chosen, headers=token("s-1", Role.SEEKER)
    )
    assert answer.status_code == 200, answer.text

    await events.publish(recommended())
    await harness.planned(ALERT)
    await harness.drain()

    [item] = await trainings_in(harness)
    assert item["title"] == "Your counsellor recommends a training: Permis de conduire B"
    assert webhooks.push.received == []
    [mail] = smtp.mailbox.messages
    assert mail["Subject"] == "Your counsellor recommends a training: Permis de conduire B"


async def test_poison_goes_to_the_dead_letters_and_an_erased_seeker_is_not_alerted(
    harness: Harness, events: Events, kafka: KafkaSettings, erased: Any
) -> None:
    store = harness.notifier.store
    await erased("s-3")
    topic = topic_name(TRAINING_RECOMMENDED, kafka.topic_suffix)
    await events.producer.send_and_wait(topic, b'{"not json', key=b"s-1")
    await events.publish(recommended("s-3"))
    await events.publish(recommended())
    await harness.planned(ALERT)

    assert await store.alert("s-3:training:F1:A1:S1") is None
    assert await store.inbox.raw.count_documents({"seeker_id": "s-3"}) == 0
    [record] = await read_records(kafka, DEAD_LETTER, 1)
    assert (header(record, "x-dead-letter-reason") or "").startswith("not valid JSON")
    assert header(record, "x-original-topic") == topic
