"""Every public route × every role × own or someone else's: the expected status, nothing else.

The matrix is built from the application's route table: a new route without a rule in
`gateway.security.RULES` (or without a sample body here) fails this test.
"""

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from testkit.builders import profile_in

from gateway.config import Settings
from gateway.main import create_app
from gateway.security import PUBLIC, RULES

SUBJECTS = {"seeker": "s-1", "counsellor": "c-1", "employer": "e-1", "operator": "ops-1"}
IDS = {
    "seeker_id": {"own": "s-1", "other": "s-2"},
    "offer_id": {"own": "o-1", "other": "o-2"},
    "alert_id": {"own": "a-1"},
    "notification_id": {"own": "n-1"},
    "siret": {"own": "11111111100011"},
    "session_id": {"own": "F1:A1:S1"},
    "application_id": {"own": "a" * 32},
}
PROFILE_BODY = profile_in()
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/v1/me/profile"): PROFILE_BODY,
    ("PATCH", "/v1/me/profile"): {"radius_km": 20},
    ("POST", "/v1/me/recommendations/{offer_id}/feedback"): {"reason": "too_far"},
    ("PUT", "/v1/me/preferences"): {"frequency": "instant"},
    ("PUT", "/v1/caseload/{seeker_id}/review-before-send"): {"enabled": True},
    ("PUT", "/v1/caseload/{seeker_id}/counsellor"): {"counsellor_id": "c-1", "reason": "Intake"},
    ("PUT", "/v1/counsellor/preferences"): {"working_hours": {"days": [1, 2, 3, 4]}},
    ("POST", "/v1/counsellor/held-alerts/{alert_id}/approve"): {"note": "Bonne chance !"},
    ("POST", "/v1/offers"): {
        "title": "Agent d'entretien",
        "rome_code": "K2204",
        "contract_type": "CDI",
        "place": {"commune_code": "69123"},
    },
    ("PATCH", "/v1/offers/{offer_id}"): {"title": "Agent d'entretien H/F"},
    ("POST", "/v1/offers/{offer_id}/close"): {"reason": "filled"},
    ("POST", "/v1/offers/import"): [{"id": "X"}],
    ("POST", "/v1/auth/dev-token"): {"sub": "s-1", "role": "seeker"},
    ("POST", "/v1/me/companies/{siret}/applications"): {
        "message": "Bonjour, je suis vendeuse.",
        "consent_to_share_contact": True,
    },
    ("POST", "/v1/ops/companies/{siret}/opt-out"): {"reason": "We hire through agencies"},
    ("POST", "/v1/me/offers/{offer_id}/applications"): {
        "message": "Bonjour, je suis secrétaire.",
        "consent_to_share_contact": True,
    },
    ("POST", "/v1/caseload/{seeker_id}/trainings/{session_id}/recommend"): {"note": "Allez-y"},
    ("POST", "/v1/caseload/{seeker_id}/trainings/{session_id}/dismiss"): {},
}
# Bodies that are not JSON: (media type, content).
RAW_BODIES: dict[tuple[str, str], tuple[str, bytes]] = {
    ("POST", "/v1/trainings/import"): ("application/xml", b"<lheo><offres/></lheo>"),
    ("POST", "/v1/ops/companies/import"): (
        "text/csv",
        b"siret,raisonsociale,codenaf,codecommune,coordinates_x,coordinates_y\n"
        b"11111111100011,A,4759A,57463,6.17,49.11\n",
    ),
}


def public_routes() -> list[tuple[str, str, bool]]:
    """(method, path, takes a body) of every /v1 route, as the application publishes them."""
    paths = create_app(Settings(dev_issuer=True)).openapi()["paths"]
    return sorted(
        (method.upper(), path, "requestBody" in operation)
        for path, operations in paths.items()
        if path.startswith("/v1/")
        for method, operation in operations.items()
    )


ROUTES = public_routes()


def test_every_route_has_a_rule_and_a_sample() -> None:
    for method, path, takes_body in ROUTES:
        assert (method, path) in RULES, f"no access rule for {method} {path}"
        if takes_body:
            assert (method, path) in BODIES.keys() | RAW_BODIES.keys(), (
                f"no sample body for {method} {path}"
            )
    assert {(m, p) for m, p, _ in ROUTES} == set(RULES), "a rule names a route that is gone"


def expected(method: str, path: str, role: str | None, ownership: str) -> set[int]:
    allowed = RULES[(method, path)]
    if allowed == PUBLIC:
        return {200}
    if role is None:
        return {401}
    if role not in {r.value for r in allowed}:
        return {403}
    if ownership == "other" and "{seeker_id}" in path and role != "operator":
        return {404}
    employers_only = method != "GET" or path.startswith("/v1/employer/")
    if ownership == "other" and "{offer_id}" in path and employers_only and role == "employer":
        return {403}
    return {200, 201, 204}


def cases() -> list[Any]:
    out = []
    for method, path, _ in ROUTES:
        owned = [name for name in IDS if "{" + name + "}" in path]
        ownerships = ["own", "other"] if any("other" in IDS[n] for n in owned) else ["own"]
        for role in [None, *SUBJECTS]:
            for ownership in ownerships:
                out.append(
                    pytest.param(
                        method, path, role, ownership, id=f"{method} {path} {role} {ownership}"
                    )
                )
    return out


@pytest.mark.parametrize(("method", "path", "role", "ownership"), cases())
async def test_access(
    gateway: FastAPI,
    client: httpx.AsyncClient,
    token_for: Any,
    method: str,
    path: str,
    role: str | None,
    ownership: str,
) -> None:
    url = path
    for name, values in IDS.items():
        url = url.replace("{" + name + "}", values.get(ownership, values["own"]))
    headers = token_for(SUBJECTS[role], role) if role else {}
    body = BODIES.get((method, path))
    if (method, path) in RAW_BODIES:
        media, content = RAW_BODIES[(method, path)]
        headers = {**headers, "Content-Type": media}
        response = await client.request(method, url, headers=headers, content=content)
    else:
        response = await client.request(method, url, headers=headers, json=body)

    assert response.status_code in expected(method, path, role, ownership), response.text
