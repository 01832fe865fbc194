"""The companies service against the real FerretDB (and Kafka, for readiness)."""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.service_harness import bearer

from companies.ledger import Ledger
from servicekit.auth import Role

pytestmark = pytest.mark.integration

HEADER = (
    "siret,raisonsociale,enseigne,codenaf,trancheeffectif,numerorue,libellerue,codepostal,tel,"
    "email,website,flag_alternance,flag_junior,flag_senior,flag_handicap,has_multi_geolocations,"
    "codecommune,coordinates_x,coordinates_y,departement,hiring\n"
)
METZ = {"latitude": 49.1193, "longitude": 6.1757}


OPERATOR = bearer(Role.OPERATOR, "operator-1")
SEEKER = bearer(Role.SEEKER, "seeker-1")
CSV = {"Content-Type": "text/csv"}


def query(**changes: Any) -> dict[str, Any]:
    return {"seeker_id": "seeker-1", "occupations": ["D1212"], "radius_km": 20, **METZ, **changes}


@pytest.fixture(name="app_settings")
def fewer_seekers_per_hire(app_settings: dict[str, Any]) -> dict[str, Any]:
    return {**app_settings, "seekers_per_hire": 0.05}


async def test_an_empty_store_is_loaded_from_the_reference_data_at_start(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert len(app.state.catalogue) == 3
    answer = await client.post("/companies/for-seeker", json=query(), headers=SEEKER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [c["siret"] for c in body["items"]] == ["11111111100011", "22222222200022"]
    first = body["items"][0]
    assert first["naf_label"] == "Commerce de détail de meubles"
    assert first["expected_hires"] > 0
    assert first["distance_km"] < 1
    assert {r["code"] for r in first["reasons"]} >= {"sector_hires", "distance"}


async def test_a_re_import_changes_nothing_and_bad_rows_say_why(client: httpx.AsyncClient) -> None:
    rows = (
        "11111111100011,MEUBLES DU CENTRE,MEUBLES CENTRE,4759A,12,1,RUE SERPENOISE,57000,,"
        "dummyemail@gmail.com,,1,1,0,1,0,57463,6.1750,49.1160,57,40\n"
        "44444444400044,NOUVELLE BOUTIQUE,,4778C,02,5,RUE TAISON,57000,,,,0,0,0,0,0,57463,6.1800,"
        "49.1200,57,3\n"
        "5555,SANS SIRET,,4778C,02,5,RUE TAISON,57000,,,,0,0,0,0,0,57463,6.18,49.12,57,3\n"
        "66666666600066,SANS LIEU,,4778C,02,5,RUE TAISON,57000,,,,0,0,0,0,0,57463,0,0,57,3\n"
    )
    first = await client.post(
        "/companies/import", content=HEADER + rows, headers={**OPERATOR, **CSV}
    )
    assert first.status_code == 200, first.text
    report = first.json()
    assert (report["accepted"], report["updated"], report["unchanged"]) == (1, 0, 1)
    assert [(r["line"], r["column"]) for r in report["rejected"]] == [
        (4, "siret"),
        (5, "coordinates_x"),
    ]
    again = await client.post(
        "/companies/import", content=HEADER + rows, headers={**OPERATOR, **CSV}
    )
    assert (again.json()["accepted"], again.json()["unchanged"]) == (0, 2)
    changed = rows.replace(",57,3\n", ",57,4\n", 1)
    third = await client.post(
        "/companies/import", content=HEADER + changed, headers={**OPERATOR, **CSV}
    )
    assert (third.json()["updated"], third.json()["unchanged"]) == (1, 1)


async def test_imports_are_for_operators_and_need_the_format(client: httpx.AsyncClient) -> None:
    refused = await client.post("/companies/import", content=HEADER, headers={**SEEKER, **CSV})
    assert refused.status_code == 403
    wrong = await client.post(
        "/companies/import", content="a,b\n1,2\n", headers={**OPERATOR, **CSV}
    )
    assert wrong.status_code == 422
    assert "siret" in wrong.json()["detail"]


async def test_a_seeker_asks_for_themselves_only(client: httpx.AsyncClient) -> None:
    other = await client.post("/companies/for-seeker", json=query(seeker_id="s-2"), headers=SEEKER)
    assert other.status_code == 403


async def test_attention_is_spread_and_reported(app: FastAPI, client: httpx.AsyncClient) -> None:
    # 0.05 seekers per hire: the furniture shop (40 hires) may be shown to 2 seekers a period,
    # the 1-2 person shop (2 hires) to 1. The third seeker is shown the small shop first.
    firsts = []
    for n in range(3):
        answer = await client.post(
            "/companies/for-seeker",
            json=query(seeker_id=f"seeker-{n}", limit=1),
            headers=bearer(Role.SEEKER, f"seeker-{n}"),
        )
        assert answer.status_code == 200
        firsts.append(answer.json()["items"][0]["siret"])
    assert firsts == ["11111111100011", "11111111100011", "22222222200022"]
    again = await client.post(
        "/companies/for-seeker",
        json=query(seeker_id="seeker-0", limit=1),
        headers=bearer(Role.SEEKER, "seeker-0"),
    )
    assert again.json()["items"][0]["siret"] == "11111111100011"  # seen already: costs nothing
    report = (await client.get("/companies/attention", headers=OPERATOR)).json()
    assert (report["seekers"], report["views"], report["over_capacity"]) == (3, 3, 0)
    assert report["load_max"] == 1.0
    # Each exposure was stored once: a replica starting now counts the same.
    await app.state.ledger.settle()
    restarted = Ledger(app.state.store, 7)
    await restarted.load()
    assert restarted.shown_to() == app.state.ledger.shown_to()
    assert (await client.get("/companies/attention", headers=SEEKER)).status_code == 403
