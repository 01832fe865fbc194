"""The trainings service against the real Kafka broker and FerretDB."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.service_harness import bearer
from testkit.stack import eventually, read_records

from contracts import TRAINING_CLOSED, TRAINING_PUBLISHED, TrainingClosed, TrainingPublished, decode
from refdata import lheo_sample
from refdata.lheo import SAMPLES
from servicekit.auth import Role
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


OPERATOR = {**bearer(Role.OPERATOR, "operator-1"), "Content-Type": "application/xml"}
SEEKER = {**bearer(Role.SEEKER, "seeker-1"), "Content-Type": "application/xml"}


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"sweep_interval_s": 3600, "import_batch_size": 2}


async def settled(app: FastAPI) -> None:
    relay = app.state.relay
    assert await eventually(lambda: relay.documents.raw.count_documents(PENDING)) == 0


async def import_(client: httpx.AsyncClient, document: bytes) -> dict[str, Any]:
    response = await client.post("/trainings/import", content=document, headers=OPERATOR)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_an_import_while_kafka_is_away_gets_a_503_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    sessions = app.state.store.sessions.raw
    before = await sessions.count_documents({})
    gate, probe = app.state.kafka_gate, app.state.kafka_gate.probe

    async def away() -> bool:
        return False

    gate.probe = away
    try:
        await gate.check()
        document = lheo_sample(SAMPLES[0]).read_bytes()
        response = await client.post("/trainings/import", content=document, headers=OPERATOR)
    finally:
        gate.probe = probe
        await gate.check()

    assert response.status_code == 503
    assert "nothing was changed" in response.text
    assert await sessions.count_documents({}) == before


async def test_the_five_shared_records_import_and_a_second_import_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    first = [await import_(client, lheo_sample(name).read_bytes()) for name in SAMPLES]
    again = [await import_(client, lheo_sample(name).read_bytes()) for name in SAMPLES]

    assert [r["accepted"] for r in first] == [2, 1, 1, 1, 1]
    assert sum(r["rejected"] for r in first) == 0
    # Their dates are years past: kept, closed, never published.
    assert [r["closed"] for r in first] == [2, 1, 1, 1, 1]
    [daeu] = [r for name, r in zip(SAMPLES, first, strict=True) if "daeu" in name]
    assert [n["reason"][:15] for n in daeu["notices"]] == ["no ROME code: m"]
    assert [(r["accepted"], r["updated"], r["unchanged"]) for r in again] == [
        (0, 0, 2),
        (0, 0, 1),
        (0, 0, 1),
        (0, 0, 1),
        (0, 0, 1),
    ]
    stored = await client.get(
        "/trainings/sessions/07_10:07_114782:114782", headers=bearer(Role.OPERATOR)
    )
    assert stored.status_code == 200
    assert stored.json()["status"] == "closed"
    assert stored.json()["session"]["rome_codes"] == ["F1604"]


async def test_an_open_session_is_published_once_then_closed_when_its_dates_pass(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings, xml: SimpleNamespace
) -> None:
    sessions = xml.session("S1") + xml.session("S2") + xml.session("S3", state="2")
    document = xml.lheo(xml.formation(actions=xml.action(sessions=sessions)))

    first = await import_(client, document)
    second = await import_(client, document)

    assert (first["accepted"], first["closed"], first["rejected"]) == (3, 0, 0)
    assert (second["accepted"], second["updated"], second["unchanged"]) == (0, 0, 3)
    records = await read_records(kafka, TRAINING_PUBLISHED, 3)
    events = [decode(r.value, TrainingPublished).payload for r in records]
    assert sorted(e.session_id for e in events) == ["F1:A1:S1", "F1:A1:S2", "F1:A1:S3"]
    assert {r.key for r in records} == {b"F1:A1:S1", b"F1:A1:S2", b"F1:A1:S3"}
    by_id = {e.session_id: e for e in events}
    assert by_id["F1:A1:S1"].rome_codes == ["N4101"]
    assert by_id["F1:A1:S1"].funders == ["4"]
    assert by_id["F1:A1:S1"].place.commune_code == "57463"
    assert by_id["F1:A1:S3"].recruiting is False
    assert all(b"Auto-" not in r.value for r in records)  # the body's facts stay in the service
    await settled(app)

    ended = xml.session("S1", start=xml.day(-40), end=xml.day(-1))
    moved = await import_(client, xml.lheo(xml.formation(actions=xml.action(sessions=ended))))
    assert moved["updated"] == 1
    [closed] = await read_records(kafka, TRAINING_CLOSED, 1)
    assert decode(closed.value, TrainingClosed).payload.session_id == "F1:A1:S1"

    later = datetime.now(UTC) + timedelta(days=45)
    swept = await app.state.store.close_ended(later.date(), later)
    assert swept == ["F1:A1:S2", "F1:A1:S3"]
    assert await app.state.store.close_ended(later.date(), later) == []


async def test_rejected_records_are_reported_and_the_rest_imported(
    client: httpx.AsyncClient, xml: SimpleNamespace
) -> None:
    sessions = xml.session("S1", start="2027-01-01") + xml.session("S2")
    answer = await import_(client, xml.lheo(xml.formation(actions=xml.action(sessions=sessions))))

    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    [rejection] = answer["rejections"]
    assert rejection["element"].endswith("session[numero=S1]/periode/debut")


@pytest.mark.parametrize(
    ("headers", "body", "status", "says"),
    [
        (SEEKER, b"<lheo/>", 403, "Only operators"),
        ({**OPERATOR, "Content-Type": "application/json"}, b"{}", 415, "application/xml"),
        (OPERATOR, b"<offres/>", 422, "not <lheo>"),
        (OPERATOR, b"<lheo><offres>", 422, "not well-formed"),
    ],
)
async def test_what_cannot_be_imported_gets_a_4xx_saying_what_to_fix(
    client: httpx.AsyncClient, headers: dict[str, str], body: bytes, status: int, says: str
) -> None:
    response = await client.post("/trainings/import", content=body, headers=headers)

    assert response.status_code == status
    assert says in response.text
