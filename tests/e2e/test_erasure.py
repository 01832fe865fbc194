"""An operator's erasure leaves no store of the platform holding the seeker, within 10 s, and
no compacted topic holding their facts (profile-updated, the dead letters) once compacted.

(`DELETE /v1/me`, the seeker's own erasure, is checked the same way by test_journey.py.) The
operator erases on the profiles service with an operator's internal token, as the runbook says
(docs/operations.md, "Answer an erasure request"): the gateway has no operator route for it.
"""

import asyncio
import os
import time
from typing import Any

import httpx
import pytest
from kafka_traces import poison_for, records_naming, roll_segments
from testkit.builders import profile_in

from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

pytestmark = pytest.mark.e2e

PORT_BASE = int(os.environ.get("SERVICE_PORT_BASE") or 8000)
PROFILES = os.environ.get("TREMPLIN_PROFILES_URL", f"http://127.0.0.1:{PORT_BASE + 1}")
STORES_CLEAN_WITHIN_S = 10.0
# The local topics roll and compact within 5 s (stack.py sets KAFKA_ERASURE_LAG_MS; an hour in
# production); the log cleaner then takes its turn.
TOPICS_CLEAN_WITHIN_S = 90.0


async def test_an_operators_erasure_empties_every_store_within_ten_seconds(
    gateway: httpx.AsyncClient,
    login: Any,
    unique: str,
    stores_naming: Any,
    new_seeker: Any,
    counsellor_of: Any,
    record_property: Any,
) -> None:
    seeker_id, counsellor_id = f"s-{unique}", f"c-{unique}"
    profile = profile_in(
        contact={"first_name": "Nora", "last_name": "Petit", "email": "nora@example.org"},
        place={"commune_code": "69123"},
        radius_km=20,
        experience_years=1,
    )
    seeker = await new_seeker(seeker_id, profile)
    counsellor = await counsellor_of(seeker_id, counsellor_id)
    looked = await gateway.get(f"/v1/caseload/{seeker_id}", headers=counsellor)
    assert looked.status_code == 200, looked.text
    # An application to an employer's offer: the offers service holds the seeker too.
    offer_id = f"ERASE{unique.upper()}"
    published = await gateway.post(
        "/v1/offers",
        headers=await login(f"e-{unique}", "employer"),
        json={
            "id": offer_id,
            "title": "Agent d'entretien H/F",
            "rome_code": "K2204",
            "place": {"commune_code": "69123"},
            "contract_type": "CDI",
        },
    )
    assert published.status_code == 201, published.text
    applied = await gateway.post(
        f"/v1/me/offers/{offer_id}/applications",
        headers=seeker,
        json={"message": "Bonjour.", "consent_to_share_contact": True},
    )
    assert applied.status_code == 201, applied.text
    # The seeker is known beyond profiles before the erasure: the recommender, the access log.
    for _ in range(120):
        holding = await stores_naming(seeker_id)
        if {"tremplin_gateway.access_log", "tremplin_profiles.profiles"} <= set(holding) and any(
            name.startswith("tremplin_recommender.") for name in holding
        ):
            break
        await asyncio.sleep(0.5)
    assert any(name.startswith("tremplin_recommender.") for name in holding), holding
    assert "tremplin_gateway.access_log" in holding, holding
    assert "tremplin_offers.applications" in holding, holding
    # And Kafka holds them: their facts on profile-updated, and a dead letter of theirs.
    await poison_for(seeker_id)
    for _ in range(120):
        in_topics = await records_naming(seeker_id)
        if any(trace.startswith("dead-letter@") for trace in in_topics):
            break
        await asyncio.sleep(0.5)
    assert any(trace.startswith("profile-updated@") for trace in in_topics), in_topics
    assert any(trace.startswith("dead-letter@") for trace in in_topics), in_topics
    held_in_topics = in_topics

    operator = issue_internal_token(
        Principal(sub="op-erasure", role=Role.OPERATOR), InternalAuthSettings()
    )
    async with httpx.AsyncClient(base_url=PROFILES, timeout=30) as profiles:
        erased = await profiles.delete(
            f"/seekers/{seeker_id}", headers={"Authorization": f"Bearer {operator}"}
        )
    t0 = time.monotonic()
    assert erased.status_code == 204, erased.text
    remaining = holding
    clean_at: dict[str, float] = {}
    while time.monotonic() - t0 < 30 and remaining:
        remaining = await stores_naming(seeker_id, holding)  # those that held them: quick
        took = time.monotonic() - t0
        clean_at.update({name: took for name in holding if name not in remaining})
        await asyncio.sleep(0.25)
    # Then every store (a service may note the erasure itself for a while, e.g. the recommender's
    # pending sweep): the time is taken when a full look comes back empty.
    anywhere = remaining
    while time.monotonic() - t0 < 30:
        anywhere = await stores_naming(seeker_id)
        if not anywhere:
            break
        await asyncio.sleep(0.25)
    clean_everywhere = time.monotonic() - t0

    record_property("held_before", ",".join(holding))
    record_property("holders_clean_after_s", round(took, 1))
    record_property("clean_after_s", round(clean_everywhere, 1))
    by_store = ", ".join(f"{name} {at:.1f} s" for name, at in sorted(clean_at.items()))
    record_property("clean_by_store", by_store)
    assert remaining == [], f"still holding {seeker_id} after 30 s: {remaining}"
    assert anywhere == [], f"still naming {seeker_id} after 30 s: {anywhere}"
    assert clean_everywhere <= STORES_CLEAN_WITHIN_S, (
        f"clean after {clean_everywhere:.1f} s ({by_store}; then every store)"
    )

    # The compacted topics: tombstones from profiles (its outbox, and its erasure consumer for
    # the dead letters), then Kafka's log cleaner.
    t0 = time.monotonic()
    while time.monotonic() - t0 < TOPICS_CLEAN_WITHIN_S:
        await roll_segments(f"roll-{unique}")
        in_topics = await records_naming(seeker_id)
        if not in_topics:
            break
        await asyncio.sleep(2)
    record_property("topics_held_before", len(held_in_topics))
    record_property("topics_clean_after_s", round(time.monotonic() - t0, 1))
    assert in_topics == [], f"compacted topics still holding {seeker_id}: {in_topics}"
