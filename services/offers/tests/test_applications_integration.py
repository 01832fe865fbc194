"""Applications to employers' offers in the offers service, over the real Kafka and FerretDB."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.offer_documents import a_france_travail_record, an_offer_in
from testkit.service_harness import bearer, erase_seeker
from testkit.stack import eventually, read_records

from contracts import (
    OFFER_APPLICATION_SUBMITTED,
    OFFER_PUBLISHED,
    OfferApplicationSubmitted,
    decode,
)
from servicekit.auth import Role
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration

ADDRESS = "recrutement@cabinet-bellecour.fr"
APPLICATION = {
    "message": "Secrétaire depuis huit ans, je connais Doctolib.",
    "consent_to_share_contact": True,
    "contact": {"first_name": "Amina", "last_name": "Diallo", "email": "amina@mail.fr"},
}


EMPLOYER = bearer(Role.EMPLOYER, "employer-1")
OTHER_EMPLOYER = bearer(Role.EMPLOYER, "employer-2")
OPERATOR = bearer(Role.OPERATOR, "operator-1")
SEEKER = bearer(Role.SEEKER, "seeker-1")
OTHER_SEEKER = bearer(Role.SEEKER, "seeker-2")
NOTIFIER = bearer(Role.SERVICE, "notifier")


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"applications_per_day": 2}


async def publish(client: httpx.AsyncClient, offer: dict[str, Any]) -> None:
    answer = await client.post("/offers", json=offer, headers=EMPLOYER)
    assert answer.status_code == 201, answer.text


async def apply(
    client: httpx.AsyncClient, offer_id: str, seeker: str = "seeker-1", **changes: Any
) -> httpx.Response:
    return await client.post(
        f"/offers/{offer_id}/applications/{seeker}",
        json={**APPLICATION, **changes},
        headers=bearer(Role.SEEKER, seeker),
    )


async def test_an_application_is_kept_published_with_ids_only_and_sent_once(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    await publish(client, an_offer_in(application_email=ADDRESS))
    sent = await apply(client, "acme-0001")
    assert sent.status_code == 201, sent.text
    application = sent.json()
    assert application["kind"] == "offer"
    assert (application["status"], application["route"]) == ("submitted", "emailed_to_employer")
    assert application["offer_title"] == "Secrétaire médicale (H/F)"
    [record] = await read_records(kafka, OFFER_APPLICATION_SUBMITTED, 1)
    event = decode(record.value, OfferApplicationSubmitted).payload
    assert (event.application_id, event.offer_id, event.seeker_id, event.employer_id) == (
        application["application_id"],
        "acme-0001",
        "seeker-1",
        "employer-1",
    )
    for private in (b"recrutement", b"amina", b"Doctolib"):
        assert private not in record.value  # ids only: no address, contact or message
    [published] = await read_records(kafka, OFFER_PUBLISHED, 1)
    assert b"recrutement" not in published.value  # the employer's address stays here

    again = await apply(client, "acme-0001")
    assert again.status_code == 409
    assert "already applied" in again.json()["detail"]

    delivery = await client.get(
        f"/offers/applications/{application['application_id']}/delivery", headers=NOTIFIER
    )
    assert delivery.status_code == 200
    assert delivery.json()["employer_email"] == ADDRESS
    assert delivery.json()["message"] == APPLICATION["message"]
    refused = await client.get(
        f"/offers/applications/{application['application_id']}/delivery", headers=SEEKER
    )
    assert refused.status_code == 403
    shown = await client.get("/offers/acme-0001", headers=SEEKER)
    assert "recrutement" not in shown.text


async def test_the_employer_alone_sees_them_the_contact_only_with_consent(
    client: httpx.AsyncClient,
) -> None:
    await publish(client, an_offer_in())
    consented = await apply(client, "acme-0001")
    assert consented.json()["route"] == "kept_for_employer"  # no address: read in Tremplin
    private = await apply(client, "acme-0001", "seeker-2", consent_to_share_contact=False)
    assert private.status_code == 201
    delivery = await client.get(
        f"/offers/applications/{private.json()['application_id']}/delivery", headers=NOTIFIER
    )
    assert delivery.status_code == 404  # nothing to email: the employer gave no address

    seen = await client.get("/offers/acme-0001/applications", headers=EMPLOYER)
    assert seen.status_code == 200
    assert seen.json()["emailed_to"] is None
    by_id = {item["application_id"]: item for item in seen.json()["items"]}
    mine = by_id[consented.json()["application_id"]]
    assert mine["contact"] == APPLICATION["contact"]
    assert mine["message"] == APPLICATION["message"]
    theirs = by_id[private.json()["application_id"]]
    assert theirs["contact"] is None  # the contact the gateway sent is not kept without consent
    assert theirs["message"] == APPLICATION["message"]
    for who in (OTHER_EMPLOYER, SEEKER, OPERATOR):
        answer = await client.get("/offers/acme-0001/applications", headers=who)
        assert answer.status_code == 403
    missing = await client.get("/offers/nope/applications", headers=EMPLOYER)
    assert missing.status_code == 404

    listed = await client.get("/offers/applications/of/seeker-1", headers=SEEKER)
    assert [a["offer_id"] for a in listed.json()["items"]] == ["acme-0001"]
    for who in (OTHER_SEEKER, EMPLOYER):
        refused = await client.get("/offers/applications/of/seeker-1", headers=who)
        assert refused.status_code == 403
    for_someone_else = await client.post(
        "/offers/acme-0001/applications/seeker-3", json=APPLICATION, headers=SEEKER
    )
    assert for_someone_else.status_code == 403


async def test_a_withdrawn_application_hides_its_message_and_is_not_emailed(
    client: httpx.AsyncClient,
) -> None:
    await publish(client, an_offer_in(application_email=ADDRESS))
    application_id = (await apply(client, "acme-0001")).json()["application_id"]
    not_theirs = await client.post(
        f"/offers/applications/{application_id}/withdraw", headers=OTHER_SEEKER
    )
    assert not_theirs.status_code == 404
    withdrawn = await client.post(f"/offers/applications/{application_id}/withdraw", headers=SEEKER)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["withdrawn_at"] is not None
    twice = await client.post(f"/offers/applications/{application_id}/withdraw", headers=SEEKER)
    assert twice.json()["withdrawn_at"] == withdrawn.json()["withdrawn_at"]
    [seen] = (await client.get("/offers/acme-0001/applications", headers=EMPLOYER)).json()["items"]
    assert (seen["status"], seen["message"], seen["contact"]) == ("withdrawn", None, None)
    delivery = await client.get(f"/offers/applications/{application_id}/delivery", headers=NOTIFIER)
    assert delivery.status_code == 404
    again = await apply(client, "acme-0001")
    assert again.status_code == 409


async def test_only_open_offers_published_here_take_applications(client: httpx.AsyncClient) -> None:
    imported = await client.post(
        "/offers/import", json=[a_france_travail_record()], headers=OPERATOR
    )
    assert imported.json()["accepted"] == 1
    elsewhere = await apply(client, "185QKWT")
    assert elsewhere.status_code == 409
    assert "how_to_apply" in elsewhere.json()["detail"]
    await publish(client, an_offer_in())
    closed = await client.post(
        "/offers/acme-0001/close", json={"reason": "filled"}, headers=EMPLOYER
    )
    assert closed.status_code == 200
    late = await apply(client, "acme-0001")
    assert late.status_code == 409
    assert "closed" in late.json()["detail"]
    unknown = await apply(client, "no-such-offer")
    assert unknown.status_code == 404


async def test_a_seeker_sends_a_bounded_number_a_day(client: httpx.AsyncClient) -> None:
    for number in range(3):
        await publish(client, an_offer_in(id=f"acme-{number}"))
    for number in range(2):
        assert (await apply(client, f"acme-{number}")).status_code == 201
    third = await apply(client, "acme-2")
    assert third.status_code == 429
    assert "2 applications to offers today" in third.json()["detail"]
    assert (await apply(client, "acme-2", "seeker-2")).status_code == 201  # each their own


async def test_the_address_is_kept_through_changes_and_never_leaves_in_events(
    client: httpx.AsyncClient, app: FastAPI, kafka: KafkaSettings
) -> None:
    await publish(client, an_offer_in(application_email=ADDRESS))
    patched = await client.patch(
        "/offers/acme-0001", json={"title": "Secrétaire médicale"}, headers=EMPLOYER
    )
    assert patched.status_code == 200
    assert "recrutement" not in patched.text
    assert await app.state.store.application_email("acme-0001") == ADDRESS
    moved = await client.patch(
        "/offers/acme-0001", json={"application_email": "rh@bellecour.fr"}, headers=EMPLOYER
    )
    assert moved.status_code == 200
    assert await app.state.store.application_email("acme-0001") == "rh@bellecour.fr"
    records = await read_records(kafka, OFFER_PUBLISHED, 2)
    assert all(b"@" not in record.value for record in records)
    wrong = await client.patch(
        "/offers/acme-0001", json={"application_email": "not an address"}, headers=EMPLOYER
    )
    assert wrong.status_code == 422


async def test_an_erased_seeker_leaves_no_application_behind(
    client: httpx.AsyncClient, app: FastAPI, kafka: KafkaSettings
) -> None:
    await publish(client, an_offer_in())
    assert (await apply(client, "acme-0001")).status_code == 201
    assert (await apply(client, "acme-0001", "seeker-2")).status_code == 201
    await erase_seeker(kafka, "seeker-1")

    async def left() -> int:
        mine = await client.get("/offers/applications/of/seeker-1", headers=SEEKER)
        counters = await app.state.applications.daily.documents.raw.count_documents(
            {"seeker_id": "seeker-1"}
        )
        return len(mine.json()["items"]) + counters

    assert await eventually(left, 0) == 0
    seen = await client.get("/offers/acme-0001/applications", headers=EMPLOYER)
    assert len(seen.json()["items"]) == 1  # the other seeker's stays
