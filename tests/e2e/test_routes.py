"""Every public route of the gateway, once, through the real stack: a route that forwards to
nothing (a method or a path the service does not have) cannot pass, as it could over a fake.

Each call is made by a role the route is for, on data that role owns, and must succeed; the
few that need a state this test cannot make quickly (an alert held for review, a notification)
must reach the service and get its own "not found", never the framework's.
"""

import asyncio
from typing import Any

import httpx
import pytest
from testkit.builders import profile_in

from gateway.security import RULES

pytestmark = pytest.mark.e2e

PROFILE = profile_in(
    contact={"first_name": "Route", "last_name": "Test"},
    place={"commune_code": "69123"},
    radius_km=20,
)
FRAMEWORK_404 = "Not Found"
# what a route or method the service does not have answers


async def suggestions(gateway: httpx.AsyncClient, seeker: dict[str, str]) -> list[Any]:
    for _ in range(60):
        found = await gateway.get("/v1/me/recommendations", headers=seeker)
        if found.status_code == 200 and found.json():
            return list(found.json())
        await asyncio.sleep(0.5)
    raise AssertionError("no suggestion came for the seeker")


async def stream_opens(gateway: httpx.AsyncClient, path: str, headers: dict[str, str]) -> int:
    async with gateway.stream("GET", path, headers=headers, timeout=httpx.Timeout(10)) as stream:
        return stream.status_code


def service_not_found(response: httpx.Response) -> bool:
    """The service's own 404 about the thing named, not a missing route."""
    return response.status_code == 404 and response.json()["detail"] != FRAMEWORK_404


@pytest.mark.timeout(180)
async def test_every_route_answers_through_the_real_stack(
    gateway: httpx.AsyncClient, login: Any, unique: str, an_offer: Any, an_lheo_document: Any
) -> None:
    seeker_id, counsellor_id = f"rs-{unique}", f"rc-{unique}"
    seeker = await login(seeker_id, "seeker")
    counsellor = await login(counsellor_id, "counsellor")
    employer = await login(f"re-{unique}", "employer")
    operator = await login(f"ro-{unique}", "operator")
    offer_id = f"ROUTE{unique.upper()}"
    called: dict[tuple[str, str], int] = {}
    # What the routes' path parameters stand for, as the test learns them.
    names = {
        "seeker_id": seeker_id,
        "offer_id": offer_id,
        "session_id": f"RT{unique}:A1:S1",
        "alert_id": f"no-such-alert-{unique}",
        "notification_id": f"no-such-{unique}",
    }

    async def call(method: str, route: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        response = await gateway.request(method, route.format(**names), headers=headers, **kw)
        assert response.status_code < 500, f"{method} {route}: {response.text}"
        called[(method, route)] = response.status_code
        return response

    async def apply(route: str, listing: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
        """The seeker applies; their own list and their counsellor's name the application."""
        applied = await call("POST", route, seeker, json=body)
        assert applied.status_code == 201, applied.text
        for path, who in (("/v1/me", seeker), ("/v1/caseload/{seeker_id}", counsellor)):
            listed = await call("GET", f"{path}/{listing}", who)
            assert [a[key] for a in listed.json()["items"]] == [names[key]], listed.text
        return dict(applied.json())

    created = await call("PUT", "/v1/me/profile", seeker, json=PROFILE)
    assert created.status_code == 201, created.text
    assert (await call("GET", "/v1/me/profile", seeker)).status_code == 200
    patched = await call("PATCH", "/v1/me/profile", seeker, json={"radius_km": 25})
    assert patched.json()["profile"]["radius_km"] == 25
    taken = await call(
        "PUT",
        "/v1/caseload/{seeker_id}/counsellor",
        counsellor,
        json={"counsellor_id": counsellor_id, "reason": "Intake interview"},
    )
    assert taken.status_code == 200, taken.text

    published = await call("POST", "/v1/offers", employer, json=an_offer(offer_id))
    assert published.status_code == 201, published.text
    assert (await call("GET", "/v1/offers/{offer_id}", seeker)).is_success
    changed = await call(
        "PATCH",
        "/v1/offers/{offer_id}",
        employer,
        json={"title": "Agent d'entretien confirmé H/F", "positions": 2},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["offer"]["title"] == "Agent d'entretien confirmé H/F"
    assert changed.json()["version"] == 2
    found = await call(
        "GET",
        "/v1/offers",
        seeker,
        params={"rome": "K2204", "commune": "69123", "radius_km": 30, "q": "entretien confirme"},
    )
    assert found.status_code == 200, found.text
    hits = [item for item in found.json()["items"] if item["offer"]["id"] == offer_id]
    assert hits
    assert hits[0]["distance_km"] is not None
    imported = await call(
        "POST",
        "/v1/offers/import",
        operator,
        json={"resultats": [{"id": f"FT{unique}"}]},  # refused record: the report says why
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["rejected"][0]["index"] == 0
    trainings = await call(
        "POST",
        "/v1/trainings/import",
        {**operator, "Content-Type": "application/xml"},
        content=an_lheo_document(f"RT{unique}"),
    )
    assert trainings.status_code == 200, trainings.text
    assert (trainings.json()["accepted"], trainings.json()["rejected"]) == (1, 0)

    offers = await suggestions(gateway, seeker)
    called[("GET", "/v1/me/recommendations")] = 200
    assert any(s["offer_id"] == offer_id for s in offers)
    assert (await call("GET", "/v1/me/trainings", seeker)).status_code == 200
    their_trainings = await call("GET", "/v1/caseload/{seeker_id}/trainings", counsellor)
    assert their_trainings.status_code == 200, their_trainings.text
    for decision, body in (("recommend", {"note": "Route test"}), ("dismiss", {"reason": "No"})):
        decided = await call(
            "POST",
            f"/v1/caseload/{{seeker_id}}/trainings/{{session_id}}/{decision}",
            counsellor,
            json=body,
        )
        assert decided.status_code == 200, decided.text
    feedback = await call(
        "POST", "/v1/me/recommendations/{offer_id}/feedback", seeker, json={"reason": "too_far"}
    )
    assert feedback.status_code == 201, feedback.text
    for route in ("/recommendations", "/feedback", ""):
        answer = await call("GET", f"/v1/caseload/{{seeker_id}}{route}", counsellor)
        assert answer.status_code == 200, answer.text
    switched = await call(
        "PUT", "/v1/caseload/{seeker_id}/review-before-send", counsellor, json={"enabled": False}
    )
    assert switched.status_code == 200, switched.text
    assert (await call("GET", "/v1/caseload", counsellor)).status_code == 200

    for path, who in (("/v1/me", seeker), ("/v1/counsellor", counsellor)):
        for what in ("/notifications", "/preferences"):
            assert (await call("GET", path + what, who)).status_code == 200
        status = await stream_opens(gateway, f"{path}/notifications/stream", who)
        assert status == 200
        called[("GET", f"{path}/notifications/stream")] = status
    preferences = await call("PUT", "/v1/me/preferences", seeker, json={"frequency": "daily"})
    assert preferences.json()["frequency"] == "daily"
    hours = await call(
        "PUT",
        "/v1/counsellor/preferences",
        counsellor,
        json={"working_hours": {"days": [1, 2, 3, 4], "start": "08:30", "end": "16:30"}},
    )
    assert hours.status_code == 200, hours.text
    assert (await call("GET", "/v1/counsellor/held-alerts", counsellor)).status_code == 200
    for decision in ("approve", "reject"):
        answer = await call(
            "POST",
            f"/v1/counsellor/held-alerts/{{alert_id}}/{decision}",
            counsellor,
            json={} if decision == "approve" else None,
        )
        assert service_not_found(answer), answer.text
    read = await call("POST", "/v1/me/notifications/{notification_id}/read", seeker)
    assert service_not_found(read), read.text
    assert (await call("GET", "/v1/me/access-log", seeker)).json()
    assert (await call("GET", "/v1/ops/status", operator)).status_code == 200
    mine = await call("GET", "/v1/me/companies", seeker, params={"limit": 5})
    assert mine.status_code == 200, mine.text
    theirs = await call("GET", "/v1/caseload/{seeker_id}/companies", counsellor)
    assert theirs.status_code == 200, theirs.text
    rows = (
        "siret,raisonsociale,codenaf,codecommune,coordinates_x,coordinates_y\n"
        "1234,A,4759A,57463,6.1,49.1\n"
    )
    companies_import = await call(
        "POST",
        "/v1/ops/companies/import",
        {**operator, "Content-Type": "text/csv"},
        content=rows.encode(),
    )
    assert companies_import.json()["rejected"][0]["column"] == "siret", companies_import.text
    assert (await call("GET", "/v1/ops/companies/attention", operator)).status_code == 200
    siret = names["siret"] = str(int(unique, 16)).zfill(14)[-14:]
    own_company = (
        "siret,raisonsociale,codenaf,codecommune,coordinates_x,coordinates_y,email\n"
        f"{siret},ROUTE TEST,4759A,57463,6.17,49.11,\n"
    )
    added = await gateway.post(
        "/v1/ops/companies/import",
        content=own_company.encode(),
        headers={**operator, "Content-Type": "text/csv"},
    )
    assert added.json()["accepted"] == 1, added.text
    to_company = await apply(
        "/v1/me/companies/{siret}/applications",
        "applications",
        "siret",
        {"message": "Bonjour, je suis disponible.", "consent_to_share_contact": False},
    )
    assert to_company["route"] == "kept_for_counsellor"
    out = await call(
        "POST", "/v1/ops/companies/{siret}/opt-out", operator, json={"reason": "Route test"}
    )
    assert out.json()["status"] == "opted_out", out.text
    shut = await call("POST", "/v1/ops/companies/{siret}/close", operator)
    assert shut.json()["status"] == "closed", shut.text

    to_offer = await apply(
        "/v1/me/offers/{offer_id}/applications",
        "offer-applications",
        "offer_id",
        {"message": "Bonjour, je postule.", "consent_to_share_contact": True},
    )
    names["application_id"] = to_offer["application_id"]
    received = await call("GET", "/v1/employer/offers/{offer_id}/applications", employer)
    [seen] = received.json()["items"]
    assert seen["contact"]["last_name"] == "Test", received.text
    taken_back = await call("POST", "/v1/me/offer-applications/{application_id}/withdraw", seeker)
    assert taken_back.json()["status"] == "withdrawn", taken_back.text

    closed = await call("POST", "/v1/offers/{offer_id}/close", employer, json={"reason": "filled"})
    assert closed.json()["status"] == "closed"
    assert (await call("DELETE", "/v1/me", seeker)).status_code == 204
    called[("POST", "/v1/auth/dev-token")] = 200  # `login` above

    assert set(called) == set(RULES), f"routes never called: {set(RULES) - set(called)}"
