"""Each reader hears a match's reasons in their own language, against the real Kafka and
FerretDB: the seeker on every channel, the counsellor in their items and their review queue."""

from __future__ import annotations

from typing import Any

import pytest
from notifier_helpers import Events, Harness, Make, Profiles, Smtp, a_match, contact, token
from testkit.stack import eventually

from servicekit.auth import Role

pytestmark = pytest.mark.integration

ENGLISH = "The job is 12 km from home, within the 15 km you accept."
FRENCH = "Le poste est à 12 km de chez vous, dans les 15 km que vous acceptez."


async def test_an_english_seeker_reads_english_reasons_in_the_inbox_and_the_email(
    make: Make, profiles: Profiles, events: Events, smtp: Smtp
) -> None:
    profiles.contacts["s-7"] = contact(language="en")
    async with make() as harness:
        preferences = {"channels": {"new_match": ["inbox", "email"]}}
        response = await harness.client.put(
            "/seekers/s-7/preferences", json=preferences, headers=token("s-7", Role.SEEKER)
        )
        assert response.status_code == 200, response.text
        await events.publish(a_match("s-7", "o-1"))
        await harness.planned("s-7:o-1")
        assert await harness.drain() == 1

        [item] = await harness.inbox("s-7")
        assert item["reasons"] == [ENGLISH]
        assert f"- {ENGLISH}" in item["body"]
        [mail] = smtp.mailbox.messages
        body = mail.get_payload(decode=True).decode()
        assert mail["Subject"] == "A job for you: Agent d'entretien o-1"
        assert ENGLISH in body
        assert "Le poste" not in body


async def test_a_counsellor_reviews_in_their_language_whatever_the_seekers(
    harness: Harness, events: Events, counsellor_prefers: Any
) -> None:
    await counsellor_prefers("c-1", language="en")
    await events.publish(a_match(needs_review=True))
    assert await eventually(lambda: harness.alert_exists("s-1:o-1"), True)
    assert await eventually(lambda: _count(harness), 1) == 1

    [review] = await harness.counsellor_inbox()
    assert review["title"] == "Alert to review for s-1: Agent d'entretien o-1"
    assert review["reasons"] == [ENGLISH]
    held = await harness.client.get(
        "/counsellors/c-1/held-alerts", headers=token("c-1", Role.COUNSELLOR)
    )
    assert [a["reasons"] for a in held.json()] == [[ENGLISH]]
    in_french = await harness.client.get(
        "/counsellors/c-1/held-alerts?language=fr", headers=token("c-1", Role.COUNSELLOR)
    )
    assert [a["reasons"] for a in in_french.json()] == [[FRENCH]]

    approved = await harness.client.post(
        "/held-alerts/s-1:o-1/approve", headers=token("c-1", Role.COUNSELLOR)
    )
    assert approved.status_code == 200, approved.text
    [item] = await harness.inbox()
    assert item["title"] == "Une offre pour vous : Agent d'entretien o-1"
    assert item["reasons"] == [FRENCH]


async def _count(harness: Harness) -> int:
    return len(await harness.counsellor_inbox())


async def test_a_strong_match_reaches_the_counsellor_in_their_language(
    harness: Harness, events: Events, counsellor_prefers: Any
) -> None:
    await counsellor_prefers("c-1", language="en")
    await events.publish(a_match(strong=True))
    assert await eventually(lambda: _count(harness), 1) == 1

    [strong] = await harness.counsellor_inbox()
    assert strong["title"] == "Strong lead for s-1: Agent d'entretien o-1"
    assert strong["reasons"] == [ENGLISH]
    assert await eventually(harness.inbox_size, 1) == 1
    [item] = await harness.inbox()
    assert item["reasons"] == [FRENCH]
