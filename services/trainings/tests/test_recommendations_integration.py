"""The counsellor's loop in the trainings service, against the real Kafka broker and FerretDB:
a recommendation is stored and published once, a dismissal hides the proposal, an erasure
forgets both."""

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.service_harness import bearer, erase_seeker
from testkit.stack import eventually, read_records

from contracts import TRAINING_RECOMMENDED, TrainingRecommended, decode
from servicekit.auth import Role
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

METZ = {"latitude": 49.1081, "longitude": 6.1955}


OPERATOR = {**bearer(Role.OPERATOR, "operator-1"), "Content-Type": "application/xml"}
COUNSELLOR = bearer(Role.COUNSELLOR, "c-1")
SEEKER = bearer(Role.SEEKER, "s-1")


def asking(seeker_id: str | None = "s-1") -> dict[str, Any]:
    """Four near-matches of five miss a driving licence."""
    near = [{"score": 0.5, "missing": ["licence_missing"]}] * 4 + [{"score": 0.5, "missing": []}]
    return {
        "seeker_id": seeker_id,
        **METZ,
        "radius_km": 20,
        "occupations": ["A1410"],
        "near_matches": near,
    }


@pytest.fixture(name="client")
async def client_of_three_sessions(
    client: httpx.AsyncClient, xml: SimpleNamespace
) -> httpx.AsyncClient:
    """The third session is full."""
    sessions = xml.session("S1") + xml.session("S2") + xml.session("S3", state="2")
    document = xml.lheo(xml.formation(rome=(), actions=xml.action(sessions=sessions)))
    imported = await client.post("/trainings/import", content=document, headers=OPERATOR)
    assert imported.json()["accepted"] == 3, imported.text
    return client


async def proposed(client: httpx.AsyncClient, seeker_id: str | None = "s-1") -> list[Any]:
    who = SEEKER if seeker_id == "s-1" else COUNSELLOR
    response = await client.post("/trainings/proposals", json=asking(seeker_id), headers=who)
    assert response.status_code == 200, response.text
    return list(response.json())


async def decide(
    client: httpx.AsyncClient, what: str, session_id: str, body: dict[str, Any]
) -> httpx.Response:
    path = f"/trainings/seekers/s-1/sessions/{session_id}/{what}"
    return await client.post(path, json=body, headers=COUNSELLOR)


async def test_a_recommendation_is_published_once_and_shown_first_with_the_note(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    before = await proposed(client)
    assert [p["session"]["id"] for p in before] == ["F1:A1:S1", "F1:A1:S2"]  # S3 is full
    assert all(p["recommendation"] is None for p in before)

    first = await decide(client, "recommendation", "F1:A1:S2", {"note": "  Allez-y !  "})
    again = await decide(client, "recommendation", "F1:A1:S2", {"note": "Allez-y !"})
    edited = await decide(client, "recommendation", "F1:A1:S2", {"note": "Dès lundi."})

    assert [r.status_code for r in (first, again, edited)] == [200, 200, 200]
    assert first.json()["note"] == "Allez-y !"
    assert edited.json()["state"] == "recommended"
    [record] = await read_records(kafka, TRAINING_RECOMMENDED, 1)
    event = decode(record.value, TrainingRecommended).payload
    assert (event.seeker_id, event.session_id, event.counsellor_id) == ("s-1", "F1:A1:S2", "c-1")
    assert (event.note, event.title, event.city) == ("Allez-y !", "Permis de conduire B", "Metz")
    assert record.key == b"s-1"
    relay = app.state.recommendation_relay
    assert await eventually(lambda: relay.documents.raw.count_documents(PENDING)) == 0
    with pytest.raises(AssertionError, match="expected 2 records"):
        await read_records(kafka, TRAINING_RECOMMENDED, 2, timeout_s=3)
    after = await proposed(client)
    assert [p["session"]["id"] for p in after] == ["F1:A1:S2", "F1:A1:S1"]
    assert after[0]["recommendation"]["note"] == "Dès lundi."

    # Dismissed first, then recommended after all: the seeker was never told, so now they are.
    assert (await decide(client, "dismissal", "F1:A1:S1", {})).status_code == 200
    assert [p["session"]["id"] for p in await proposed(client)] == ["F1:A1:S2"]
    assert (await decide(client, "recommendation", "F1:A1:S1", {})).status_code == 200
    records = await read_records(kafka, TRAINING_RECOMMENDED, 2)
    told = [decode(r.value, TrainingRecommended).payload for r in records]
    assert sorted(e.session_id for e in told) == ["F1:A1:S1", "F1:A1:S2"]
    assert await eventually(lambda: relay.documents.raw.count_documents(PENDING)) == 0
    assert [p["session"]["id"] for p in await proposed(client)] == ["F1:A1:S1", "F1:A1:S2"]
    anyone = await proposed(client, None)
    assert all(p["recommendation"] is None for p in anyone)


async def test_a_dismissed_proposal_is_shown_to_no_one_and_an_erasure_forgets_it(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    dismissed = await decide(client, "dismissal", "F1:A1:S1", {"reason": "Déjà le permis A"})
    assert dismissed.status_code == 200, dismissed.text
    assert dismissed.json()["reason"] == "Déjà le permis A"
    assert [p["session"]["id"] for p in await proposed(client)] == ["F1:A1:S2"]
    assert len(await proposed(client, "s-2")) == 2  # another seeker's proposals are untouched

    await erase_seeker(kafka, "s-1")
    store = app.state.recommendations
    assert await eventually(lambda: store.of_seeker("s-1"), [], timeout_s=60) == []


@pytest.mark.parametrize(
    ("who", "what", "session_id", "status", "says"),
    [
        (SEEKER, "recommendation", "F1:A1:S1", 403, "counsellor"),
        (COUNSELLOR, "recommendation", "F9:A9:S9", 404, "No training session"),
        (COUNSELLOR, "recommendation", "F1:A1:S3", 409, "no more trainees"),
        (COUNSELLOR, "dismissal", "F9:A9:S9", 404, "No training session"),
    ],
)
async def test_what_cannot_be_decided_gets_a_4xx_saying_why(
    client: httpx.AsyncClient,
    who: dict[str, str],
    what: str,
    session_id: str,
    status: int,
    says: str,
) -> None:
    path = f"/trainings/seekers/s-1/sessions/{session_id}/{what}"
    response = await client.post(path, json={}, headers=who)

    assert response.status_code == status
    assert says in response.text


async def test_a_seeker_sees_their_own_proposals_only(client: httpx.AsyncClient) -> None:
    response = await client.post("/trainings/proposals", json=asking("s-2"), headers=SEEKER)

    assert response.status_code == 403
