"""Companies likely to hire, through the gateway of the running stack: the establishments of
Metz were loaded from the reference data when the companies service first started."""

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

METZ_SEEKER: dict[str, Any] = {
    "contact": {"first_name": "Léa", "last_name": "Muller"},
    "occupations": [{"rome_code": "D1212", "priority": 1}],
    "place": {"commune_code": "57463"},
    "radius_km": 20,
    "contract_types": [{"contract_type": "CDI", "priority": 1}],
}
FIELDS = {"siret", "name", "naf_label", "distance_km", "expected_hires", "reasons"}


async def test_a_seeker_in_metz_gets_companies_likely_to_hire(
    gateway: httpx.AsyncClient, login: Any, unique: str
) -> None:
    seeker_id, counsellor_id = f"cs-{unique}", f"cc-{unique}"
    seeker = await login(seeker_id, "seeker")
    created = await gateway.put("/v1/me/profile", json=METZ_SEEKER, headers=seeker)
    assert created.status_code == 201, created.text

    answer = await gateway.get("/v1/me/companies", headers=seeker)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert len(items) >= 5
    for item in items:
        assert item.keys() >= FIELDS
        assert item["distance_km"] <= 20
        assert item["expected_hires"] > 0
        assert item["naf_label"]
        assert not item["naf_label"][0].isdigit()
        assert any(r["code"] == "sector_hires" for r in item["reasons"])
        assert any("km" in r["fr"] and "km" in r["en"] for r in item["reasons"])
    assert len({item["siret"] for item in items}) == len(items)

    counsellor = await login(counsellor_id, "counsellor")
    refused = await gateway.get(f"/v1/caseload/{seeker_id}/companies", headers=counsellor)
    assert refused.status_code == 404  # not in their caseload yet
    taken = await gateway.put(
        f"/v1/caseload/{seeker_id}/counsellor",
        json={"counsellor_id": counsellor_id, "reason": "Intake interview"},
        headers=counsellor,
    )
    assert taken.status_code == 200, taken.text
    seen = await gateway.get(f"/v1/caseload/{seeker_id}/companies", headers=counsellor)
    assert seen.status_code == 200, seen.text
    assert {i["siret"] for i in seen.json()["items"]} == {i["siret"] for i in items}
    log = await gateway.get("/v1/me/access-log", headers=seeker)
    assert any(entry["what"] == "companies" for entry in log.json())
    assert (await gateway.delete("/v1/me", headers=seeker)).status_code == 204
