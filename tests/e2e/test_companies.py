"""Companies likely to hire, through the gateway of the running stack: the establishments of
Metz were loaded from the reference data when the companies service first started."""

from typing import Any

import httpx
import pytest
from testkit.gateway_seekers import METZ_SEEKER

pytestmark = pytest.mark.e2e

FIELDS = {"siret", "name", "naf_label", "distance_km", "expected_hires", "reasons"}


async def test_a_seeker_in_metz_gets_companies_likely_to_hire(
    gateway: httpx.AsyncClient, login: Any, unique: str, new_seeker: Any, counsellor_of: Any
) -> None:
    seeker_id, counsellor_id = f"cs-{unique}", f"cc-{unique}"
    seeker = await new_seeker(seeker_id, METZ_SEEKER)

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
    await counsellor_of(seeker_id, counsellor_id, "Intake interview")
    seen = await gateway.get(f"/v1/caseload/{seeker_id}/companies", headers=counsellor)
    assert seen.status_code == 200, seen.text
    assert {i["siret"] for i in seen.json()["items"]} == {i["siret"] for i in items}
    log = await gateway.get("/v1/me/access-log", headers=seeker)
    assert any(entry["what"] == "companies" for entry in log.json())
