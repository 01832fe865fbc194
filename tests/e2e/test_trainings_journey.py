"""Trainings at the right moment, through the gateway: a seeker whose near-matches keep asking for
a driving licence is proposed a driving-licence training near them, with the reason; their
counsellor sees the same proposal, recommends it with a note, and the seeker receives it (gateway
→ trainings → Kafka → notifier), once; a proposal the counsellor dismisses is shown to no one."""

import asyncio
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.timeout(180)
async def test_a_seeker_missing_a_licence_is_proposed_a_licence_training_near_them(
    gateway: httpx.AsyncClient,
    login: Any,
    unique: str,
    missing_a_licence: Any,
    stores_naming: Any,
    forgotten: Any,
    eventually: Any,
) -> None:
    seeker_id, counsellor_id, offers = f"ts-{unique}", f"tc-{unique}", f"TRAIN{unique.upper()}"
    seeker, counsellor = await missing_a_licence(
        seeker_id,
        counsellor_id,
        {"first_name": "Permis", "last_name": "Test"},
        offers,
        {f"TJ{unique}": "Permis de conduire B", f"TK{unique}": "Permis C"},
    )
    await eventually(
        "/v1/me/recommendations",
        seeker,
        lambda found: sum(s["offer_id"].startswith(offers) for s in found) == 3,
    )

    ours = {f"TJ{unique}", f"TK{unique}"}
    proposals = await eventually(
        "/v1/me/trainings",
        seeker,
        lambda found: ours <= {p["session"]["formation_id"] for p in found},
    )

    [proposal] = [p for p in proposals if p["session"]["formation_id"] == f"TJ{unique}"]
    assert proposal["fills"] == "licence_missing"
    codes = [r["code"] for r in proposal["reasons"]]
    assert codes[0] == "gap_licence_missing"
    assert "no_rome_code" in codes
    assert proposal["reasons"][0]["en"].endswith("ask for a licence your profile does not mention.")
    assert any("France Travail" in r["fr"] for r in proposal["reasons"])
    theirs = await gateway.get(f"/v1/caseload/{seeker_id}/trainings", headers=counsellor)
    assert theirs.status_code == 200, theirs.text
    assert [p["session"]["id"] for p in theirs.json()] == [p["session"]["id"] for p in proposals]
    stranger = await login(f"tx-{unique}", "counsellor")
    refused = await gateway.get(f"/v1/caseload/{seeker_id}/trainings", headers=stranger)
    assert refused.status_code in (403, 404)

    # The counsellor recommends it, with a note; clicking twice alerts the seeker once.
    session_id = proposal["session"]["id"]
    note = "Le permis B vous ouvrira les offres de berger : inscrivez-vous vite."
    path = f"/v1/caseload/{seeker_id}/trainings/{session_id}/recommend"
    for _ in range(2):
        done = await gateway.post(path, json={"note": note}, headers=counsellor)
        assert done.status_code == 200, done.text
        assert done.json()["state"] == "recommended"
    assert (await gateway.post(path, json={"note": note}, headers=stranger)).status_code == 404
    items = await eventually(
        "/v1/me/notifications",
        seeker,
        lambda page: any(i["kind"] == "training" for i in page["items"]),
    )
    [told] = [i for i in items["items"] if i["kind"] == "training"]
    assert told["title"] == "Votre conseiller vous recommande une formation : Permis de conduire B"
    assert note in told["body"]
    await asyncio.sleep(3)  # a second alert, if any, would have come by now
    again = await gateway.get("/v1/me/notifications", headers=seeker)
    assert [i["kind"] for i in again.json()["items"]].count("training") == 1
    mine = (await gateway.get("/v1/me/trainings", headers=seeker)).json()
    assert mine[0]["session"]["id"] == session_id
    assert mine[0]["recommendation"]["note"] == note

    # The other one does not fit: dismissed, it shows to neither of them any more.
    [other] = [p for p in mine if p["session"]["formation_id"] == f"TK{unique}"]
    dismissed = await gateway.post(
        f"/v1/caseload/{seeker_id}/trainings/{other['session']['id']}/dismiss",
        json={"reason": "Le permis C demande le B d'abord."},
        headers=counsellor,
    )
    assert dismissed.status_code == 200, dismissed.text
    for who, where in (
        (seeker, "/v1/me/trainings"),
        (counsellor, f"/v1/caseload/{seeker_id}/trainings"),
    ):
        shown = (await gateway.get(where, headers=who)).json()
        assert other["session"]["id"] not in [p["session"]["id"] for p in shown]
        assert session_id in [p["session"]["id"] for p in shown]

    # The seeker erases their account: the counsellor's decisions and note go with it.
    assert "tremplin_trainings.recommendations" in await stores_naming(seeker_id)
    assert (await gateway.delete("/v1/me", headers=seeker)).status_code == 204
    await forgotten(seeker_id)
