"""The offers service against the real Kafka broker and FerretDB."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.offer_documents import a_france_travail_record, an_offer_in
from testkit.service_harness import bearer
from testkit.stack import eventually, header, read_records

from contracts import OFFER_CLOSED, OFFER_PUBLISHED, OfferClosed, OfferPublished, decode
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token
from servicekit.outbox import PENDING
from servicekit.settings import KafkaSettings

pytestmark = pytest.mark.integration


EMPLOYER = bearer(Role.EMPLOYER, "employer-1")
OTHER_EMPLOYER = bearer(Role.EMPLOYER, "employer-2")
OPERATOR = bearer(Role.OPERATOR, "operator-1")
SERVICE = bearer(Role.SERVICE, "gateway")
SEEKER = bearer(Role.SEEKER, "seeker-1")


async def published(kafka: KafkaSettings, count: int) -> list[OfferPublished]:
    records = await read_records(kafka, OFFER_PUBLISHED, count)
    return [decode(record.value, OfferPublished).payload for record in records]


async def assert_no_more(kafka: KafkaSettings, topic: str, count: int) -> None:
    with pytest.raises(AssertionError, match=f"got {count}"):
        await read_records(kafka, topic, count + 1, timeout_s=2)


async def settled(app: FastAPI) -> None:
    """Waits for the relay to send everything: a test's own writes then race with nothing."""
    relay = app.state.relay
    assert await eventually(lambda: relay.documents.raw.count_documents(PENDING)) == 0


# Publishing, reading, updating and closing an employer's offer


async def test_an_employer_publishes_an_offer_and_every_fact_is_in_the_event(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    response = await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)

    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 1
    assert body["status"] == "open"
    assert body["offer"]["employer_id"] == "employer-1"
    assert body["offer"]["place"]["commune_code"] == "69382"
    [record] = await read_records(kafka, OFFER_PUBLISHED, 1)
    event = decode(record.value, OfferPublished)
    payload = event.payload
    assert record.key == b"acme-0001"
    assert header(record, "event_id") == str(event.event_id)
    assert event.producer == "offers"
    assert payload.offer_id == "acme-0001"
    assert payload.version == 1
    assert payload.title == "Secrétaire médicale (H/F)"
    assert (payload.rome_code, payload.job_title) == ("M1607", "Secrétaire médical / médicale")
    assert payload.place.commune_code == "69382"
    assert payload.place.postcode == "69002"
    assert payload.place.latitude == pytest.approx(45.75, abs=0.05)
    assert payload.contract_type == "CDD"
    assert payload.working_time == "full_time"
    assert payload.experience_required == "S"
    assert payload.experience_months == 12
    assert payload.qualification == 7
    assert [(s.label, s.required) for s in payload.skills] == [("Gérer un agenda", True)]
    assert payload.languages == ["en"]
    assert payload.salary_min_monthly_eur == 1900
    assert payload.salary_text == "Mensuel de 1900.00 Euros sur 12 mois"
    assert payload.positions == 1
    assert payload.employer_name == "Cabinet Bellecour"
    assert payload.open_to_disabled_workers is True
    assert payload.origin == "employer"
    assert payload.valid_until is not None
    assert payload.valid_until - payload.published_at == timedelta(days=60)
    assert b"98765432100017" not in record.value


async def test_an_offer_without_an_id_gets_one(client: httpx.AsyncClient) -> None:
    data = an_offer_in()
    del data["id"]

    response = await client.post("/offers", json=data, headers=OPERATOR)

    assert response.status_code == 201
    offer_id = response.json()["offer"]["id"]
    assert len(offer_id) == 32
    assert response.json()["offer"]["employer_id"] is None
    assert (await client.get(f"/offers/{offer_id}", headers=SEEKER)).status_code == 200


async def test_publishing_the_same_offer_again_is_harmless(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    first = await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)
    again = await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)
    other_facts = await client.post("/offers", json=an_offer_in(positions=3), headers=EMPLOYER)
    other_owner = await client.post("/offers", json=an_offer_in(), headers=OTHER_EMPLOYER)

    assert [first.status_code, again.status_code] == [201, 200]
    assert again.json()["version"] == 1
    assert other_facts.status_code == 409
    assert "PUT /offers/acme-0001" in other_facts.json()["detail"]
    assert other_owner.status_code == 409
    await published(kafka, 1)
    await assert_no_more(kafka, OFFER_PUBLISHED, 1)


async def test_a_material_update_publishes_the_next_version(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)
    reworded = an_offer_in(description="Accueil physique et téléphonique.")
    better_paid = an_offer_in(salary={"text": "Mensuel de 2100.00 Euros sur 12 mois"})

    same_facts = await client.put("/offers/acme-0001", json=reworded, headers=EMPLOYER)
    changed = await client.put("/offers/acme-0001", json=better_paid, headers=EMPLOYER)

    assert same_facts.status_code == 200
    assert same_facts.json()["version"] == 1
    assert same_facts.json()["offer"]["description"] == "Accueil physique et téléphonique."
    assert changed.json()["version"] == 2
    first, second = await published(kafka, 2)
    assert (first.version, first.salary_min_monthly_eur) == (1, 1900)
    assert (second.version, second.salary_min_monthly_eur) == (2, 2100)
    assert second.published_at == first.published_at
    await assert_no_more(kafka, OFFER_PUBLISHED, 2)
    stored = await client.get("/offers/acme-0001", headers=SEEKER)
    assert stored.json()["version"] == 2
    relay = app.state.relay
    assert await eventually(lambda: relay.documents.raw.count_documents(PENDING)) == 0


async def test_closing_an_offer_publishes_offer_closed_once(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)

    closed = await client.post(
        "/offers/acme-0001/close", json={"reason": "filled"}, headers=EMPLOYER
    )
    again = await client.post(
        "/offers/acme-0001/close", json={"reason": "withdrawn"}, headers=EMPLOYER
    )

    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert closed.json()["closed_reason"] == "filled"
    assert again.status_code == 200
    assert again.json()["closed_reason"] == "filled"
    [record] = await read_records(kafka, OFFER_CLOSED, 1)
    event = decode(record.value, OfferClosed)
    assert record.key == b"acme-0001"
    assert event.payload.offer_id == "acme-0001"
    assert event.payload.reason == "filled"
    assert abs(event.payload.closed_at - datetime.now(UTC)) < timedelta(minutes=1)
    await assert_no_more(kafka, OFFER_CLOSED, 1)


async def test_a_closed_offer_is_still_read_and_says_it_is_closed_but_is_no_longer_found(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)
    await client.post("/offers/acme-0001/close", json={"reason": "withdrawn"}, headers=OPERATOR)

    seen_by = {
        name: (await client.get("/offers/acme-0001", headers=headers)).status_code
        for name, headers in [
            ("owner", EMPLOYER),
            ("operator", OPERATOR),
            ("service", SERVICE),
            ("seeker", SEEKER),
            ("other employer", OTHER_EMPLOYER),
        ]
    }
    update = await client.put("/offers/acme-0001", json=an_offer_in(), headers=EMPLOYER)
    search = await client.get("/offers", params={"rome": "M1607"}, headers=SEEKER)

    assert seen_by == {
        "owner": 200,
        "operator": 200,
        "service": 200,
        "seeker": 200,
        "other employer": 200,
    }
    read = await client.get("/offers/acme-0001", headers=SEEKER)
    assert (read.json()["status"], read.json()["closed_reason"]) == ("closed", "withdrawn")
    assert update.status_code == 409
    assert search.json()["total"] == 0


# Authorisation


async def test_an_employer_cannot_touch_another_employers_offer(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)

    update = await client.put(
        "/offers/acme-0001", json=an_offer_in(positions=5), headers=OTHER_EMPLOYER
    )
    close = await client.post(
        "/offers/acme-0001/close", json={"reason": "filled"}, headers=OTHER_EMPLOYER
    )
    by_seeker = await client.put("/offers/acme-0001", json=an_offer_in(), headers=SEEKER)
    operator = await client.put(
        "/offers/acme-0001", json=an_offer_in(positions=5), headers=OPERATOR
    )

    assert [update.status_code, close.status_code, by_seeker.status_code] == [403, 403, 403]
    assert operator.status_code == 200
    assert operator.json()["offer"]["employer_id"] == "employer-1"
    await published(kafka, 2)
    await assert_no_more(kafka, OFFER_CLOSED, 0)


async def test_seekers_and_counsellors_cannot_publish_or_import(client: httpx.AsyncClient) -> None:
    seeker = await client.post("/offers", json=an_offer_in(), headers=SEEKER)
    counsellor = await client.post(
        "/offers", json=an_offer_in(), headers=bearer(Role.COUNSELLOR, "c-1")
    )
    employer_import = await client.post(
        "/offers/import", json=[a_france_travail_record()], headers=EMPLOYER
    )

    assert [seeker.status_code, counsellor.status_code] == [403, 403]
    assert employer_import.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/offers", {}),
        ("PUT", "/offers/x", {}),
        ("POST", "/offers/x/close", {"reason": "filled"}),
        ("GET", "/offers/x", None),
        ("GET", "/offers", None),
        ("POST", "/offers/import", []),
    ],
)
async def test_every_route_wants_a_valid_token(
    client: httpx.AsyncClient, method: str, path: str, body: Any
) -> None:
    missing = await client.request(method, path, json=body)
    forged_token = issue_internal_token(
        Principal(sub="employer-1", role=Role.OPERATOR),
        InternalAuthSettings(token_secret="not-the-secret-of-the-services-0123456789"),
    )
    forged = await client.request(
        method, path, json=body, headers={"Authorization": f"Bearer {forged_token}"}
    )

    assert missing.status_code == 401
    assert forged.status_code == 401


# Bad input


@pytest.mark.parametrize(
    ("changes", "location"),
    [
        ({"rome_code": "Z9999"}, ["body", "rome_code"]),
        ({"rome_code": "nope"}, ["body", "rome_code"]),
        ({"contract_type": "FOO"}, ["body", "contract_type"]),
        ({"place": {"commune_code": "99999"}}, ["body", "place", "commune_code"]),
        ({"place": {"postcode": "00000"}}, ["body", "place", "postcode"]),
        ({"valid_until": "2020-01-01T00:00:00Z"}, ["body", "valid_until"]),
        ({"positions": 0}, ["body", "positions"]),
        ({"title": ""}, ["body", "title"]),
    ],
)
async def test_bad_offers_are_refused_naming_the_field(
    client: httpx.AsyncClient,
    kafka: KafkaSettings,
    changes: dict[str, Any],
    location: list[str],
) -> None:
    response = await client.post("/offers", json=an_offer_in(**changes), headers=EMPLOYER)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == location
    assert (await client.get("/offers/acme-0001", headers=OPERATOR)).status_code == 404


async def test_bad_updates_closures_and_searches_name_their_field(
    client: httpx.AsyncClient,
) -> None:
    await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)

    other_id = await client.put(
        "/offers/acme-0001", json=an_offer_in(id="acme-0002"), headers=EMPLOYER
    )
    bad_rome = await client.put(
        "/offers/acme-0001", json=an_offer_in(rome_code="A0000"), headers=EMPLOYER
    )
    expired = await client.post(
        "/offers/acme-0001/close", json={"reason": "expired"}, headers=EMPLOYER
    )
    commune = await client.get("/offers", params={"commune": "99999"}, headers=SEEKER)
    page_size = await client.get("/offers", params={"page_size": 101}, headers=SEEKER)
    rome = await client.get("/offers", params={"rome": "K22"}, headers=SEEKER)
    contract = await client.get("/offers", params={"contract": "XYZ"}, headers=SEEKER)

    assert other_id.json()["detail"][0]["loc"] == ["body", "id"]
    assert bad_rome.json()["detail"][0]["loc"] == ["body", "rome_code"]
    assert expired.json()["detail"][0]["loc"] == ["body", "reason"]
    assert commune.json()["detail"][0]["loc"] == ["query", "commune"]
    assert page_size.json()["detail"][0]["loc"] == ["query", "page_size"]
    assert rome.json()["detail"][0]["loc"] == ["query", "rome", 0]
    assert contract.json()["detail"][0]["loc"] == ["query", "contract", 0]
    statuses = {other_id.status_code, bad_rome.status_code, expired.status_code}
    assert statuses | {commune.status_code, page_size.status_code} == {422}


async def test_unknown_offers_are_not_found(client: httpx.AsyncClient) -> None:
    get = await client.get("/offers/nobody", headers=OPERATOR)
    put = await client.put("/offers/nobody", json=an_offer_in(id=None), headers=OPERATOR)
    close = await client.post("/offers/nobody/close", json={"reason": "filled"}, headers=OPERATOR)

    assert [get.status_code, put.status_code, close.status_code] == [404, 404, 404]


# Search


async def test_search_by_occupation_place_distance_and_contract(client: httpx.AsyncClient) -> None:
    lyon_centre = {"commune": "69381", "codePostal": "69001"}
    villeurbanne = {"commune": "69266", "latitude": 45.7719, "longitude": 4.8902}
    paris = {"commune": "75108"}
    records = [
        a_france_travail_record(id="LYON1", lieuTravail=lyon_centre),
        a_france_travail_record(id="VILLEU", lieuTravail=villeurbanne, typeContrat="CDD"),
        a_france_travail_record(id="PARIS", lieuTravail=paris),
        a_france_travail_record(id="LYONCOOK", lieuTravail=lyon_centre, romeCode="G1602"),
    ]
    imported = await client.post("/offers/import", json=records, headers=SERVICE)
    assert imported.json()["accepted"] == 4

    async def search(**params: Any) -> dict[str, Any]:
        response = await client.get("/offers", params=params, headers=SEEKER)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    near = await search(rome="K2204", commune="69123", radius_km=20)
    cdi_near = await search(rome="K2204", commune="69123", radius_km=20, contract="CDI")
    two_occupations = await search(rome=["K2204", "G1602"], commune="69381", radius_km=5)
    everywhere = await search(rome="K2204")
    second_page = await search(rome="K2204", page=2, page_size=2)
    tight = await search(commune="69123", radius_km=1)

    assert [item["offer"]["id"] for item in near["items"]] == ["LYON1", "VILLEU"]
    assert near["items"][0]["distance_km"] < near["items"][1]["distance_km"] < 20
    assert [item["offer"]["id"] for item in cdi_near["items"]] == ["LYON1"]
    assert {item["offer"]["id"] for item in two_occupations["items"]} == {
        "LYON1",
        "LYONCOOK",
        "VILLEU",
    }
    assert everywhere["total"] == 3
    assert all(item["distance_km"] is None for item in everywhere["items"])
    assert (second_page["total"], len(second_page["items"])) == (3, 1)
    assert tight["total"] == 0


# Import


async def test_an_import_keeps_valid_records_and_reports_each_invalid_one(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    batch = [
        a_france_travail_record(id="OK1"),
        a_france_travail_record(id="BADROME", romeCode="Z9999"),
        a_france_travail_record(id="OK2", lieuTravail={"codePostal": "69002"}),
        "not a record",
        a_france_travail_record(id="NOPLACE", lieuTravail={"libelle": "69 - Rhône"}),
        a_france_travail_record(id="OK3", typeContrat="MIS"),
        a_france_travail_record(id="OK1", intitule="Doublon"),
        a_france_travail_record(id="BADTYPE", typeContrat="XXX"),
    ]

    response = await client.post("/offers/import", json=batch, headers=OPERATOR)

    assert response.status_code == 200
    report = response.json()
    assert (report["accepted"], report["updated"], report["unchanged"]) == (3, 0, 0)
    assert [(r["index"], r["id"], r["field"]) for r in report["rejected"]] == [
        (0, "OK1", "id"),
        (1, "BADROME", "romeCode"),
        (3, None, "record"),
        (4, "NOPLACE", "lieuTravail.commune_code"),
        (7, "BADTYPE", "typeContrat"),
    ]
    assert "index 6" in report["rejected"][0]["reason"]
    assert "Z9999" in report["rejected"][1]["reason"]
    events = await published(kafka, 3)
    assert {e.offer_id for e in events} == {"OK1", "OK2", "OK3"}
    assert {e.version for e in events} == {1}
    ok1 = next(e for e in events if e.offer_id == "OK1")
    assert ok1.title == "Doublon"
    assert ok1.origin == "france-travail"
    ok2 = next(e for e in events if e.offer_id == "OK2")
    assert ok2.place.commune_code == "69382"


async def test_an_empty_import_changes_nothing(client: httpx.AsyncClient) -> None:
    # Found by fuzzing the gateway: an empty batch once reached insert_many, which refuses it.
    response = await client.post("/offers/import", json=[], headers=SERVICE)

    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 0, "updated": 0, "unchanged": 0, "rejected": []}


async def test_importing_the_same_offers_again_publishes_only_changes(
    client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    batch = [a_france_travail_record(id=f"FT{n}") for n in range(5)]
    first = await client.post("/offers/import", json=batch, headers=SERVICE)
    again = await client.post("/offers/import", json=batch, headers=SERVICE)
    batch[1]["salaire"] = {"libelle": "Mensuel de 2500.00 Euros sur 12 mois"}
    batch[2]["description"] = "Nouvelle description, mêmes faits."
    changed = await client.post("/offers/import", json=batch, headers=SERVICE)

    assert (first.json()["accepted"], first.json()["unchanged"]) == (5, 0)
    assert (again.json()["accepted"], again.json()["unchanged"]) == (0, 5)
    assert changed.json() == {"accepted": 0, "updated": 1, "unchanged": 4, "rejected": []}
    events = await published(kafka, 6)
    assert [(e.offer_id, e.version) for e in events if e.version > 1] == [("FT1", 2)]
    assert next(e for e in events if e.version == 2).salary_min_monthly_eur == 2500
    await assert_no_more(kafka, OFFER_PUBLISHED, 6)
    ft2 = await client.get("/offers/FT2", headers=SEEKER)
    assert ft2.json()["offer"]["description"] == "Nouvelle description, mêmes faits."
    assert ft2.json()["version"] == 1


async def test_an_import_neither_overwrites_employers_offers_nor_reopens_closed_ones(
    client: httpx.AsyncClient,
    kafka: KafkaSettings,
) -> None:
    await client.post("/offers", json=an_offer_in(), headers=EMPLOYER)
    await client.post("/offers/import", json=[a_france_travail_record()], headers=SERVICE)
    await client.post("/offers/185QKWT/close", json={"reason": "filled"}, headers=OPERATOR)

    response = await client.post(
        "/offers/import",
        json=[a_france_travail_record(id="acme-0001"), a_france_travail_record(nombrePostes=3)],
        headers=SERVICE,
    )

    rejected = response.json()["rejected"]
    assert [(r["id"], r["field"]) for r in rejected] == [("acme-0001", "id"), ("185QKWT", "id")]
    assert "employer" in rejected[0]["reason"]
    assert "closed" in rejected[1]["reason"]
    await published(kafka, 2)
    await assert_no_more(kafka, OFFER_PUBLISHED, 2)


async def test_an_import_too_big_for_one_request_is_refused(client: httpx.AsyncClient) -> None:
    batch = [a_france_travail_record(id=f"FT{n}") for n in range(51)]

    response = await client.post("/offers/import", json=batch, headers=SERVICE)

    assert response.status_code == 413
    assert "at most 50" in response.json()["detail"]


# Expiry


@pytest.mark.parametrize("app_settings", [{"sweep_interval_s": 0.2}])
async def test_the_sweep_closes_offers_past_their_validity(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    batch = [a_france_travail_record(id="OLD"), a_france_travail_record(id="FRESH")]
    await client.post("/offers/import", json=batch, headers=SERVICE)
    past = datetime.now(UTC) - timedelta(minutes=1)
    await settled(app)
    # Time passes: the offer's validity ends.
    await app.state.store.offers.raw.update_one({"_id": "OLD"}, {"$set": {"valid_until": past}})

    [record] = await read_records(kafka, OFFER_CLOSED, 1)
    old = await client.get("/offers/OLD", headers=OPERATOR)
    fresh = await client.get("/offers/FRESH", headers=SEEKER)

    event = decode(record.value, OfferClosed)
    assert event.payload.offer_id == "OLD"
    assert event.payload.reason == "expired"
    assert (old.json()["status"], old.json()["closed_reason"]) == ("closed", "expired")
    assert fresh.json()["status"] == "open"
    await assert_no_more(kafka, OFFER_CLOSED, 1)


async def test_two_sweeps_at_once_close_each_offer_once(
    app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings
) -> None:
    batch = [a_france_travail_record(id=f"FT{n}") for n in range(20)]
    await client.post("/offers/import", json=batch, headers=SERVICE)
    store = app.state.store
    await settled(app)
    await store.offers.raw.update_many({}, {"$set": {"valid_until": datetime.now(UTC)}})

    now = datetime.now(UTC) + timedelta(seconds=1)
    first, second = await store.close_expired(now), await store.close_expired(now)
    app.state.relay.wake(first)  # as the sweep does (offers.sweep)

    assert (len(first), second) == (20, [])
    records = await read_records(kafka, OFFER_CLOSED, 20)
    assert len({r.key for r in records}) == 20
    await assert_no_more(kafka, OFFER_CLOSED, 20)


async def test_health(client: httpx.AsyncClient) -> None:
    ready = await client.get("/health/ready")

    assert ready.status_code == 200
    assert ready.json()["checks"] == {"kafka": "up", "mongo": "up"}
