"""Authentication and the authorisation rule of every public route, in one table.

A route without a rule answers 500 (and fails the authorisation matrix test): nothing is reachable
by accident. Ownership (a seeker's own data, a counsellor's caseload, an employer's offers) is
then checked by the route itself and again by the service behind it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.tokens import InvalidTokenError, TokenVerifier
from servicekit.auth import Principal, Role

SEEKER, COUNSELLOR, EMPLOYER, OPERATOR = (
    Role.SEEKER,
    Role.COUNSELLOR,
    Role.EMPLOYER,
    Role.OPERATOR,
)
PUBLIC: frozenset[Role] = frozenset()

RULES: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", "/v1/auth/dev-token"): PUBLIC,
    ("GET", "/v1/me/profile"): frozenset({SEEKER}),
    ("PUT", "/v1/me/profile"): frozenset({SEEKER}),
    ("PATCH", "/v1/me/profile"): frozenset({SEEKER}),
    ("DELETE", "/v1/me"): frozenset({SEEKER}),
    ("GET", "/v1/me/recommendations"): frozenset({SEEKER}),
    ("POST", "/v1/me/recommendations/{offer_id}/feedback"): frozenset({SEEKER}),
    ("GET", "/v1/me/notifications"): frozenset({SEEKER}),
    ("POST", "/v1/me/notifications/{notification_id}/read"): frozenset({SEEKER}),
    ("GET", "/v1/me/notifications/stream"): frozenset({SEEKER}),
    ("GET", "/v1/me/preferences"): frozenset({SEEKER}),
    ("PUT", "/v1/me/preferences"): frozenset({SEEKER}),
    ("GET", "/v1/me/access-log"): frozenset({SEEKER}),
    ("GET", "/v1/caseload"): frozenset({COUNSELLOR}),
    ("GET", "/v1/caseload/{seeker_id}"): frozenset({COUNSELLOR}),
    ("GET", "/v1/caseload/{seeker_id}/recommendations"): frozenset({COUNSELLOR}),
    ("GET", "/v1/caseload/{seeker_id}/feedback"): frozenset({COUNSELLOR}),
    ("PUT", "/v1/caseload/{seeker_id}/review-before-send"): frozenset({COUNSELLOR}),
    ("PUT", "/v1/caseload/{seeker_id}/counsellor"): frozenset({COUNSELLOR, OPERATOR}),
    ("GET", "/v1/counsellor/notifications"): frozenset({COUNSELLOR}),
    ("GET", "/v1/counsellor/notifications/stream"): frozenset({COUNSELLOR}),
    ("GET", "/v1/counsellor/preferences"): frozenset({COUNSELLOR}),
    ("PUT", "/v1/counsellor/preferences"): frozenset({COUNSELLOR}),
    ("GET", "/v1/counsellor/held-alerts"): frozenset({COUNSELLOR}),
    ("POST", "/v1/counsellor/held-alerts/{alert_id}/approve"): frozenset({COUNSELLOR}),
    ("POST", "/v1/counsellor/held-alerts/{alert_id}/reject"): frozenset({COUNSELLOR}),
    ("GET", "/v1/offers"): frozenset({SEEKER, COUNSELLOR, EMPLOYER, OPERATOR}),
    ("POST", "/v1/offers"): frozenset({EMPLOYER, OPERATOR}),
    ("GET", "/v1/offers/{offer_id}"): frozenset({SEEKER, COUNSELLOR, EMPLOYER, OPERATOR}),
    ("PATCH", "/v1/offers/{offer_id}"): frozenset({EMPLOYER, OPERATOR}),
    ("POST", "/v1/offers/{offer_id}/close"): frozenset({EMPLOYER, OPERATOR}),
    ("POST", "/v1/offers/import"): frozenset({OPERATOR}),
    ("POST", "/v1/trainings/import"): frozenset({OPERATOR}),
    ("GET", "/v1/me/trainings"): frozenset({SEEKER}),
    ("GET", "/v1/caseload/{seeker_id}/trainings"): frozenset({COUNSELLOR}),
    ("POST", "/v1/caseload/{seeker_id}/trainings/{session_id}/recommend"): frozenset({COUNSELLOR}),
    ("POST", "/v1/caseload/{seeker_id}/trainings/{session_id}/dismiss"): frozenset({COUNSELLOR}),
    ("GET", "/v1/ops/status"): frozenset({OPERATOR}),
    ("GET", "/v1/me/companies"): frozenset({SEEKER}),
    ("GET", "/v1/caseload/{seeker_id}/companies"): frozenset({COUNSELLOR}),
    ("POST", "/v1/ops/companies/import"): frozenset({OPERATOR}),
    ("GET", "/v1/ops/companies/attention"): frozenset({OPERATOR}),
    ("POST", "/v1/me/companies/{siret}/applications"): frozenset({SEEKER}),
    ("GET", "/v1/me/applications"): frozenset({SEEKER}),
    ("GET", "/v1/caseload/{seeker_id}/applications"): frozenset({COUNSELLOR}),
    ("POST", "/v1/ops/companies/{siret}/opt-out"): frozenset({OPERATOR}),
    ("POST", "/v1/ops/companies/{siret}/close"): frozenset({OPERATOR}),
    ("POST", "/v1/me/offers/{offer_id}/applications"): frozenset({SEEKER}),
    ("GET", "/v1/me/offer-applications"): frozenset({SEEKER}),
    ("POST", "/v1/me/offer-applications/{application_id}/withdraw"): frozenset({SEEKER}),
    ("GET", "/v1/employer/offers/{offer_id}/applications"): frozenset({EMPLOYER}),
    ("GET", "/v1/caseload/{seeker_id}/offer-applications"): frozenset({COUNSELLOR}),
}

# The web app and the console: same roles as their /v1 twins; PUBLIC pages sign people in.
WEB_RULES: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/app/login"): PUBLIC,
    ("POST", "/app/login"): PUBLIC,
    ("GET", "/app/signin"): PUBLIC,
    ("GET", "/app/callback"): PUBLIC,
    ("POST", "/app/logout"): PUBLIC,
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("GET", "/console/signin"): PUBLIC,
    ("GET", "/console/callback"): PUBLIC,
    ("POST", "/console/logout"): PUBLIC,
    ("GET", "/app"): frozenset({SEEKER}),
    ("GET", "/app/recommendations"): frozenset({SEEKER}),
    ("GET", "/app/recommendations/{offer_id}/not-for-me"): frozenset({SEEKER}),
    ("POST", "/app/recommendations/{offer_id}/not-for-me"): frozenset({SEEKER}),
    ("GET", "/app/profile"): frozenset({SEEKER}),
    ("POST", "/app/profile"): frozenset({SEEKER}),
    ("GET", "/app/notifications"): frozenset({SEEKER}),
    ("POST", "/app/notifications/{notification_id}/read"): frozenset({SEEKER}),
    ("GET", "/app/notifications/stream"): frozenset({SEEKER}),
    ("GET", "/app/preferences"): frozenset({SEEKER}),
    ("POST", "/app/preferences"): frozenset({SEEKER}),
    ("GET", "/app/access-log"): frozenset({SEEKER}),
    ("GET", "/app/companies"): frozenset({SEEKER}),
    ("POST", "/app/companies/{siret}/apply"): frozenset({SEEKER}),
    ("GET", "/app/offers"): frozenset({SEEKER}),
    ("GET", "/app/offers/{offer_id}"): frozenset({SEEKER}),
    ("POST", "/app/offers/{offer_id}/apply"): frozenset({SEEKER}),
    ("POST", "/app/offers/{offer_id}/withdraw"): frozenset({SEEKER}),
    ("GET", "/app/trainings"): frozenset({SEEKER}),
    ("GET", "/app/erase"): frozenset({SEEKER}),
    ("POST", "/app/erase"): frozenset({SEEKER}),
    ("GET", "/console"): frozenset({COUNSELLOR}),
    ("GET", "/console/seekers/{seeker_id}"): frozenset({COUNSELLOR}),
    ("GET", "/console/offers/{offer_id}"): frozenset({COUNSELLOR}),
    ("POST", "/console/seekers/{seeker_id}/review-before-send"): frozenset({COUNSELLOR}),
    ("GET", "/console/notifications"): frozenset({COUNSELLOR}),
    ("GET", "/console/notifications/stream"): frozenset({COUNSELLOR}),
    ("GET", "/console/review"): frozenset({COUNSELLOR}),
    ("POST", "/console/review/{alert_id}/approve"): frozenset({COUNSELLOR}),
    ("POST", "/console/review/{alert_id}/reject"): frozenset({COUNSELLOR}),
    ("GET", "/console/seekers/{seeker_id}/trainings"): frozenset({COUNSELLOR}),
    ("POST", "/console/seekers/{seeker_id}/trainings/{session_id}/recommend"): frozenset(
        {COUNSELLOR}
    ),
    ("POST", "/console/seekers/{seeker_id}/trainings/{session_id}/dismiss"): frozenset(
        {COUNSELLOR}
    ),
}

bearer = HTTPBearer(auto_error=False, description="An access token from the identity provider.")


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Sign in first: send your access token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    verifier: TokenVerifier = request.app.state.verifier
    try:
        return await verifier.verify(credentials.credentials)
    except InvalidTokenError as error:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Your access token was refused ({error}); sign in again.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None


async def rule_of(request: Request) -> frozenset[Role]:
    route = request.scope.get("route")
    key = (request.method, getattr(route, "path", ""))
    if key not in RULES:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"No access rule for {key}.")
    return RULES[key]


async def authorised(
    principal: Annotated[Principal, Depends(caller)],
    allowed: Annotated[frozenset[Role], Depends(rule_of)],
) -> Principal:
    if principal.role not in allowed:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"This is for {', '.join(sorted(r.value for r in allowed))} accounts only.",
        )
    return principal


Caller = Annotated[Principal, Depends(authorised)]
