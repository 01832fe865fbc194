"""Spontaneous applications in the companies service, over the real Kafka and FerretDB."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.service_harness import bearer, erase_seeker
from testkit.stack import eventually, read_records

from contracts import APPLICATION_SUBMITTED, ApplicationSubmitted, decode
from servicekit.auth import Role
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

# MEUBLES CENTRE has a placeholder address; DECO PLUS gets a real one below.
PLACEHOLDER, REAL, CLEANING = "11111111100011", "22222222200022", "33333333300033"
APPLICATION = {"message": "Vendeuse depuis six ans.", "consent_to_share_contact": True}


SEEKER = bearer(Role.SEEKER, "seeker-1")
OPERATOR = bearer(Role.OPERATOR, "operator-1")
NOTIFIER = bearer(Role.SERVICE, "notifier")


@pytest.fixture
def app_settings(tmp_path: Path, data_folder: Path) -> dict[str, Any]:
    rows = (data_folder / "lbb_etablissements_metz.csv").read_text()
    # DECO PLUS (no address in the sample) gets one of its own.
    rows = rows.replace(
        "DECO PLUS,,4778C,01,3,RUE DES CLERCS,57000,,,",
        "DECO PLUS,,4778C,01,3,RUE DES CLERCS,57000,,recrutement@deco-plus.fr,",
    )
    establishments = tmp_path / "establishments.csv"
    establishments.write_text(rows)
    return {"establishments_file": establishments, "applications_per_day": 2}


async def test_an_application_to_a_company_with_an_address_is_published_once(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    sent = await client.post(
        f"/companies/{REAL}/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert sent.status_code == 201, sent.text
    application = sent.json()
    assert application["route"] == "sent_to_company"
    assert "offre" in application["notice"]
    [record] = await read_records(kafka, APPLICATION_SUBMITTED, 1)
    event = decode(record.value, ApplicationSubmitted).payload
    assert (event.application_id, event.siret, event.seeker_id) == (
        application["application_id"],
        REAL,
        "seeker-1",
    )
    assert b"recrutement" not in record.value  # ids only, no contact data
    again = await client.post(
        f"/companies/{REAL}/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert again.status_code == 409
    assert "already applied" in again.json()["detail"]
    delivery = await client.get(
        f"/companies/applications/{application['application_id']}/delivery", headers=NOTIFIER
    )
    assert delivery.json()["company_email"] == "recrutement@deco-plus.fr"
    refused = await client.get(
        f"/companies/applications/{application['application_id']}/delivery", headers=SEEKER
    )
    assert refused.status_code == 403


async def test_a_placeholder_address_is_never_used_the_counsellor_passes_it_on(
    client: httpx.AsyncClient,
) -> None:
    sent = await client.post(
        f"/companies/{PLACEHOLDER}/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["route"] == "kept_for_counsellor"
    delivery = await client.get(
        f"/companies/applications/{sent.json()['application_id']}/delivery", headers=NOTIFIER
    )
    assert delivery.status_code == 404
    mine = await client.get("/companies/applications/of/seeker-1", headers=SEEKER)
    assert [a["siret"] for a in mine.json()["items"]] == [PLACEHOLDER]
    other = await client.get(
        "/companies/applications/of/seeker-1", headers=bearer(Role.SEEKER, "s-2")
    )
    assert other.status_code == 403


async def test_a_seeker_sends_a_bounded_number_a_day(client: httpx.AsyncClient) -> None:
    for siret in (PLACEHOLDER, REAL):
        answer = await client.post(
            f"/companies/{siret}/applications/seeker-1", json=APPLICATION, headers=SEEKER
        )
        assert answer.status_code == 201
    third = await client.post(
        f"/companies/{CLEANING}/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert third.status_code == 429
    assert "2 applications today" in third.json()["detail"]
    someone_else = await client.post(
        f"/companies/{REAL}/applications/seeker-1",
        json=APPLICATION,
        headers=bearer(Role.SEEKER, "s-2"),
    )
    assert someone_else.status_code == 403


async def test_a_company_that_opts_out_is_shown_and_applied_to_no_more(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    refused = await client.post(
        f"/companies/{REAL}/opt-out", json={"reason": "No hiring"}, headers=SEEKER
    )
    assert refused.status_code == 403
    out = await client.post(
        f"/companies/{REAL}/opt-out",
        json={"reason": "We hire through agencies only"},
        headers=OPERATOR,
    )
    assert out.json() == {
        "siret": REAL,
        "status": "opted_out",
        "reason": "We hire through agencies only",
    }
    closed = await client.post(f"/companies/{CLEANING}/close", headers=OPERATOR)
    assert closed.json()["status"] == "closed"
    assert REAL not in app.state.catalogue.by_siret
    applied = await client.post(
        f"/companies/{REAL}/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert applied.status_code == 409
    unknown = await client.post(
        "/companies/99999999999999/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert unknown.status_code == 404
    stored = await app.state.store.establishments.get(REAL)
    assert stored["opt_out_reason"] == "We hire through agencies only"


async def test_an_erased_seeker_leaves_no_application_behind(
    client: httpx.AsyncClient, app: FastAPI, kafka: KafkaSettings
) -> None:
    sent = await client.post(
        f"/companies/{PLACEHOLDER}/applications/seeker-1", json=APPLICATION, headers=SEEKER
    )
    assert sent.status_code == 201
    shown = await client.post(
        "/companies/for-seeker",
        json={
            "seeker_id": "seeker-1",
            "occupations": ["D1212"],
            "radius_km": 20,
            "latitude": 49.1193,
            "longitude": 6.1757,
        },
        headers=SEEKER,
    )
    assert shown.json()["items"]
    await app.state.ledger.settle()
    await erase_seeker(kafka, "seeker-1")

    async def left() -> int:
        mine = await client.get("/companies/applications/of/seeker-1", headers=SEEKER)
        exposures = await app.state.store.exposures.raw.count_documents({"seeker_id": "seeker-1"})
        return len(mine.json()["items"]) + exposures

    assert await eventually(left, 0) == 0
    assert app.state.ledger.already_shown("seeker-1") == frozenset()
