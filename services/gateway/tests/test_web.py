"""The web app and the console, rendered by the gateway in front of fake services.

The fake services answer like the real ones (same paths, same ownership rules: a counsellor only
sees their caseload, 404 otherwise) and record what they were asked, so that each test can say
what a page sent upstream.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from markupsafe import escape
from testkit.builders import company_application, company_in_reach, stored_profile

from gateway.config import Mode, Settings, WebTheme
from gateway.main import create_app
from gateway.security import PUBLIC, WEB_RULES
from gateway.web import mount
from gateway.web.sessions import WebSession, digest, new_secret, now
from servicekit.auth import InternalAuthSettings, Role, read_internal_token
from wording import render

CSRF = "test-csrf-token-0123456789"
CASELOAD = {"c-1": {"s-1"}}
PROFILE = stored_profile(version=3, review_before_send=True)
SUGGESTION = {
    "offer_id": "o-1",
    "offer_version": 1,
    "profile_version": 3,
    "score": 0.82,
    "reasons": [
        {
            "code": "distance_within_radius",
            "text": "Le poste est à 4 km de chez vous, dans les 15 km que vous acceptez.",
            "params": {"distance_km": 4, "radius_km": 15},
        }
    ],
    "missing": [{"code": "salary_unknown", "text": "L'offre ne précise pas le salaire."}],
    "offer_title": "Agent d'entretien H/F",
    "rome_code": "K2204",
    "distance_km": 4.2,
}
NOTIFICATION = {
    "id": "n-1",
    "seq": 7,
    "kind": "match",
    "seeker_id": "s-1",
    "offer_id": "o-1",
    "alert_id": "s-1:o-1",
    "title": "Une offre pour vous : Agent d'entretien H/F",
    "body": "Nous avons trouvé une offre.\nLe mot de votre conseiller : Foncez, Amina !",
    "reasons": ["Le poste est à 4 km de chez vous."],
    "read": False,
    "offer_closed": False,
    "created_at": "2026-11-25T10:00:00Z",
}
HELD = {
    "alert_id": "s-1:o-1",
    "seeker_id": "s-1",
    "offer_id": "o-1",
    "offer_title": "Agent d'entretien H/F",
    "score": 0.9,
    "strong": True,
    "reasons": ["Le poste est à 4 km de chez vous."],
    "created_at": "2026-11-25T10:00:00Z",
}
PREFERENCES = {
    "channels": {"new_match": ["inbox", "push"], "offer_closed": ["inbox"]},
    "frequency": "instant",
    "quiet_hours": {"start": "21:00:00", "end": "08:00:00"},
    "max_push_per_hour": 3,
}


APPLICATION = company_application(
    message="Vendeuse depuis six ans, disponible tout de suite.", consent_to_share_contact=False
)


COMPANY = company_in_reach()


OFFER_VIEW = {
    "offer": {
        "id": "o-1",
        "title": "Agent d'entretien H/F",
        "description": "Entretien de bureaux, du lundi au vendredi.",
        "rome_code": "K2204",
        "contract_type": "CDI",
        "salary": {"text": "1 900 € brut par mois"},
        "skills": [{"label": "Utiliser une autolaveuse", "required": True}],
        "employer_name": "PROPRE ET NET",
        "place": {"commune_code": "69266", "latitude": 45.77, "longitude": 4.88},
        "created_at": "2026-11-25T10:00:00Z",
        "updated_at": "2026-11-30T10:00:00Z",
        "valid_until": "2027-01-25T10:00:00Z",
        "origin": "france-travail",
    },
    "version": 1,
    "status": "open",
}


EMPLOYER_OFFER_VIEW = {
    **OFFER_VIEW,
    "offer": {
        **OFFER_VIEW["offer"],  # type: ignore[dict-item]
        "id": "o-employer",
        "origin": "employer",
        "employer_id": "e-1",
    },
}


class Services:
    """One fake for the four services, telling them apart by host; it records every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, Any]] = []
        self.offer_applications: list[dict[str, Any]] = []
        self.caseload_total = 1
        self.offers_total = 1
        self.app = FastAPI()
        self.app.add_api_route(
            "/{path:path}", self.answer, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]
        )

    def sent(self, service: str, method: str, path: str) -> list[Any]:
        return [body for s, m, p, body in self.calls if (s, m, p) == (service, method, path)]

    async def answer(self, path: str, request: Request) -> Response:
        service = request.url.hostname or ""
        body = await request.json() if await request.body() else None
        query = [(name, value) for name, value in request.query_params.multi_items()]
        self.calls.append((service, request.method, "/" + path, body if body else query or None))
        token = request.headers["authorization"].removeprefix("Bearer ")
        who = read_internal_token(token, InternalAuthSettings())
        parts = path.split("/")
        if parts[0] == "seekers" and who.sub == "s-unlucky":
            return JSONResponse({"detail": "restarting"}, status_code=503)
        if parts[0] == "seekers":
            seeker_id = parts[1]
            own = (who.role is Role.SEEKER and who.sub == seeker_id) or (
                who.role is Role.COUNSELLOR and seeker_id in CASELOAD.get(who.sub, set())
            )
            if not own:
                code = 403 if who.role is Role.SEEKER else 404
                return JSONResponse({"detail": "not yours"}, status_code=code)
        if parts[0] == "counsellors" and parts[1] != who.sub:
            return JSONResponse({"detail": "not yours"}, status_code=403)
        return self.reply(service, request.method, parts, body)

    def reply(self, service: str, method: str, parts: list[str], body: Any) -> Response:
        last = parts[-1]
        if service == "profiles" and last == "profile" and method in ("PUT", "PATCH"):
            if body.get("radius_km") == 999:
                problem = {
                    "type": "less_than_equal",
                    "loc": ["body", "radius_km"],
                    "msg": "Input should be less than or equal to 200",
                    "ctx": {"le": 200},
                }
                return JSONResponse({"detail": [problem]}, status_code=422)
            return JSONResponse(PROFILE, status_code=201 if method == "PUT" else 200)
        if service == "profiles" and last == "profile":
            return JSONResponse(PROFILE)
        if service == "profiles" and method == "DELETE":
            return Response(status_code=204)
        if service == "profiles" and last == "caseload":
            entry = {
                "seeker_id": "s-1",
                "first_name": "Amina",
                "last_name": "Diallo",
                "occupations": ["K2204"],
                "commune_code": "69123",
                "needs_support": True,
                "no_smartphone": False,
                "review_before_send": True,
                "updated_at": "2026-11-25T10:00:00Z",
            }
            total = self.caseload_total
            return JSONResponse({"total": total, "page": 1, "page_size": 50, "seekers": [entry]})
        if service == "recommender" and last == "recommendations":
            return JSONResponse([SUGGESTION])
        if service == "recommender" and last == "feedback" and method == "POST":
            return JSONResponse({"recorded": True}, status_code=201)
        if service == "recommender" and last == "feedback":
            when = "2026-11-25T11:00:00Z"
            return JSONResponse([{"offer_id": "o-1", "reason": "too_far", "recorded_at": when}])
        if service == "companies" and parts[:2] == ["companies", "applications"]:
            return JSONResponse({"items": [APPLICATION]})
        if service == "companies" and parts[:2] == ["companies", "for-seeker"]:
            return JSONResponse({"items": [COMPANY], "total_in_reach": 1})
        if service == "companies" and method == "POST" and parts[2:3] == ["applications"]:
            if body["message"] == "one too many":
                refused = {"detail": "You sent 5 applications today, the most a day."}
                return JSONResponse(refused, status_code=429)
            return JSONResponse({**APPLICATION, "route": "sent_to_company"}, status_code=201)
        if service == "offers" and "applications" in parts[1:3]:
            return self.offer_application(method, parts, body)
        if service == "offers" and parts == ["offers", "o-employer"]:
            return JSONResponse(EMPLOYER_OFFER_VIEW)
        if service == "offers" and parts == ["offers", "o-closed"]:
            closed = {"status": "closed", "closed_reason": "filled"}
            return JSONResponse({**OFFER_VIEW, **closed, "closed_at": "2026-12-01T10:00:00Z"})
        if service == "offers" and parts == ["offers"]:
            page = {"total": self.offers_total, "page": 1, "page_size": 10}
            return JSONResponse({**page, "items": [OFFER_VIEW]})
        if service == "trainings" and last == "proposals":
            return JSONResponse([])
        if service == "offers":
            return JSONResponse(OFFER_VIEW)
        if last == "stream":
            data = b'id: 8\nevent: notification\ndata: {"id": "n-2"}\n\n'
            return Response(data, media_type="text/event-stream")
        if last == "notifications":
            page = {"items": [NOTIFICATION], "page": 1, "page_size": 50, "total": 1, "unread": 1}
            return JSONResponse(page)
        if last == "preferences":
            return JSONResponse(body if method == "PUT" else PREFERENCES)
        if last == "held-alerts":
            return JSONResponse([HELD])
        return JSONResponse({"ok": True})

    def offer_application(self, method: str, parts: list[str], body: Any) -> Response:
        """The offers service's applications: listed, sent (one per offer), withdrawn."""
        if parts[1:3] == ["applications", "of"]:
            return JSONResponse({"items": self.offer_applications})
        if parts[-1] == "withdraw":
            for application in self.offer_applications:
                application.update(status="withdrawn", withdrawn_at="2026-12-04T09:00:00Z")
            return JSONResponse(self.offer_applications[0])
        if body["message"] == "one too many":
            refused = {"detail": "You sent 10 applications to offers today, the most a day."}
            return JSONResponse(refused, status_code=429)
        application = {
            "kind": "offer",
            "application_id": "b" * 32,
            "offer_id": parts[1],
            "offer_title": "Agent d'entretien H/F",
            "employer_name": "PROPRE ET NET",
            "seeker_id": parts[3],
            "message": body["message"],
            "consent_to_share_contact": body["consent_to_share_contact"],
            "status": "submitted",
            "route": "kept_for_employer",
            "created_at": "2026-12-03T10:00:00Z",
            "withdrawn_at": None,
        }
        self.offer_applications.append(application)
        return JSONResponse(application, status_code=201)


@pytest.fixture
def web_settings() -> Settings:
    return Settings(dev_issuer=True, upstream_retries=0, web_dsfr_dir=None)


@pytest.fixture
def services() -> Services:
    return Services()


@pytest.fixture
async def web(web_settings: Settings, services: Services, gateway_over: Any) -> FastAPI:
    app: FastAPI = await gateway_over(web_settings, services.app)
    return app


def sign_in(web: FastAPI, browser: httpx.AsyncClient, sub: str, role: str) -> None:
    """A server-side session for this person, and its cookie in the browser."""
    secret = new_secret()
    session = WebSession(sub, Role(role), None, now() + timedelta(hours=1))
    web.state.web_sessions.sessions[digest(secret)] = session
    browser.cookies.set("tremplin_session", secret)
    browser.cookies.set("tremplin_csrf", CSRF)


@pytest.fixture
def seeker(web: FastAPI, browser: httpx.AsyncClient) -> httpx.AsyncClient:
    """The browser of seeker s-1, signed in."""
    sign_in(web, browser, "s-1", "seeker")
    return browser


@pytest.fixture
def counsellor(web: FastAPI, browser: httpx.AsyncClient) -> httpx.AsyncClient:
    """The browser of counsellor c-1, whose caseload holds s-1, signed in."""
    sign_in(web, browser, "c-1", "counsellor")
    return browser


def form(**fields: str) -> dict[str, str]:
    return {"csrf_token": CSRF, **fields}


def profile_form(**changes: str) -> dict[str, str]:
    """The profile form of s-1, whose profile exists, as the page fills it in, then `changes`."""
    fields = {
        "exists": "1",
        "first_name": "Amina",
        "last_name": "Diallo",
        "rome_code": "K2204",
        "commune_code": "69123",
        "radius_km": "15",
        "working_time": "full_time",
    }
    return form(**{**fields, **changes})


def assert_refused(response: httpx.Response, *shown: str) -> None:
    """The form came back with a 422 that shows each of these next to the fields."""
    assert response.status_code == 422
    for text in shown:
        assert text in response.text


def csrf_in(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF field in the form"
    return found.group(1)


SEEKER_PAGES = [
    "/app/recommendations",
    "/app/recommendations/o-1/not-for-me",
    "/app/profile",
    "/app/notifications",
    "/app/preferences",
    "/app/access-log",
    "/app/companies",
    "/app/trainings",
    "/app/erase",
]
CONSOLE_PAGES = [
    "/console",
    "/console/seekers/s-1",
    "/console/seekers/s-1/trainings",
    "/console/notifications",
    "/console/review",
]


async def test_the_root_leads_to_the_app_and_signed_out_pages_to_their_login(
    browser: httpx.AsyncClient,
) -> None:
    root = await browser.get("/")
    assert (root.status_code, root.headers["location"]) == (303, "/app")
    for path in ["/app", *SEEKER_PAGES]:
        response = await browser.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/app/login"), path
    for path in CONSOLE_PAGES:
        response = await browser.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/console/login")


@pytest.mark.parametrize(
    ("area", "field", "role", "home"),
    [
        ("app", "seeker_id", "seeker", "/app"),
        ("console", "counsellor_id", "counsellor", "/console"),
    ],
)
async def test_signing_in_opens_a_server_side_session_and_signing_out_closes_it(
    web: FastAPI, browser: httpx.AsyncClient, area: str, field: str, role: str, home: str
) -> None:
    page = await browser.get(f"/{area}/login")
    assert page.status_code == 200
    assert f'name="{field}"' in page.text
    csrf_cookie = page.headers["set-cookie"]
    assert "tremplin_csrf=" in csrf_cookie
    assert "HttpOnly" in csrf_cookie

    signed = await browser.post(
        f"/{area}/login", data={"csrf_token": csrf_in(page.text), field: "x-42"}
    )

    assert (signed.status_code, signed.headers["location"]) == (303, home)
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("tremplin_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on 127.0.0.1, in development mode only
    secret = browser.cookies["tremplin_session"]
    assert "." not in secret, "an opaque value, not a token"
    session = await web.state.web_sessions.find(secret)
    assert (session.sub, session.role.value) == ("x-42", role)
    assert (await browser.get(home, follow_redirects=True)).status_code == 200

    out = await browser.post(f"/{area}/logout", data={"csrf_token": csrf_in(page.text)})
    assert out.status_code == 303
    assert 'tremplin_session=""' in out.headers["set-cookie"]
    assert "tremplin_session" not in browser.cookies
    assert await web.state.web_sessions.find(secret) is None
    assert (await browser.get(home)).headers["location"] == f"/{area}/login"


@pytest.mark.parametrize("base", ["https://gateway", "http://gateway", "https://127.0.0.1"])
async def test_the_session_cookie_is_secure_but_on_plain_http_to_this_machine(
    web: FastAPI, base: str
) -> None:
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url=base) as browser:
        browser.cookies.set("tremplin_csrf", CSRF)
        signed = await browser.post("/app/login", data=form(seeker_id="s-1"))

    assert signed.status_code == 303
    assert "Secure" in signed.headers["set-cookie"]


async def test_outside_development_mode_cookies_are_secure_even_on_this_machine() -> None:
    settings = Settings(
        mode=Mode.PRODUCTION,
        internal_auth=InternalAuthSettings(token_secret="a-production-secret-of-32-chars-or-more"),
        oidc_issuer="https://id.example",
        oidc_jwks_url="https://id.example/keys",
        oidc_client_id="tremplin-web",
        oidc_client_secret="a-client-secret",
        web_dsfr_dir=None,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as browser:
        page = await browser.get("/app/login")

    assert page.status_code == 200
    assert "tremplin_csrf=" in page.headers["set-cookie"]
    assert "Secure" in page.headers["set-cookie"]
    assert 'href="/app/signin"' in page.text


async def test_a_form_without_the_right_csrf_token_is_refused_and_nothing_is_sent(
    web: FastAPI, browser: httpx.AsyncClient, services: Services
) -> None:
    refused_login = await browser.post("/app/login", data={"seeker_id": "s-1"})
    assert refused_login.status_code == 403
    assert "tremplin_session" not in refused_login.headers.get("set-cookie", "")

    sign_in(web, browser, "s-1", "seeker")
    feedback = "/app/recommendations/o-1/not-for-me"
    forged = await browser.post(feedback, data={"csrf_token": "forged", "reason": "too_far"})
    missing = await browser.post(feedback, data={"reason": "too_far"})

    assert forged.status_code == missing.status_code == 403
    assert "<h1>" in forged.text
    assert not services.sent("recommender", "POST", "/seekers/s-1/recommendations/o-1/feedback")


async def test_a_page_for_another_role_answers_a_403_page(
    web: FastAPI, browser: httpx.AsyncClient
) -> None:
    sign_in(web, browser, "s-1", "seeker")
    as_seeker = await browser.get("/console")
    sign_in(web, browser, "c-1", "counsellor")
    as_counsellor = await browser.get("/app/profile")
    sign_in(web, browser, "e-1", "employer")
    as_employer = await browser.get("/app/recommendations")

    for response in (as_seeker, as_counsellor, as_employer):
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.count("<h1") == 1


async def test_a_counsellor_cannot_open_a_file_outside_their_caseload(
    web: FastAPI, browser: httpx.AsyncClient
) -> None:
    sign_in(web, browser, "c-1", "counsellor")

    other = await browser.get("/console/seekers/s-2")
    switch = await browser.post(
        "/console/seekers/s-2/review-before-send", data=form(enabled="false")
    )
    own = await browser.get("/console/seekers/s-1")

    assert other.status_code == 404
    assert switch.status_code == 404
    assert own.status_code == 200
    log = web.state.access_log.rows
    assert [(r["seeker_id"], r["by"], r["what"]) for r in log] == [
        ("s-1", "c-1", "profile"),
        ("s-1", "c-1", "recommendations"),
        ("s-1", "c-1", "applications"),
        ("s-1", "c-1", "offer_applications"),
    ]


async def test_the_offer_page_shows_the_description_how_to_apply_and_the_source(
    seeker: httpx.AsyncClient,
) -> None:
    page = (await seeker.get("/app/offers/o-1")).text
    closed = await seeker.get("/app/offers/o-closed")

    assert "Entretien de bureaux, du lundi au vendredi." in page
    assert 'href="https://candidat.francetravail.fr/offres/recherche/detail/o-1"' in page
    assert "Source : France Travail" in page
    assert "30/11/2026" in page
    assert "Villeurbanne" in page
    assert "69266" not in page
    assert "votre profil ne le mentionne pas" in page  # the autolaveuse: not in the profile
    assert closed.status_code == 200
    assert 'data-testid="offer-closed"' in closed.text
    assert "close depuis le 01/12/2026" in closed.text
    assert "Le poste est pourvu." in closed.text
    assert "candidat.francetravail.fr" not in closed.text  # no link to apply to a closed offer


async def test_an_employers_offer_takes_an_application_on_its_page(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    page = (await seeker.get("/app/offers/o-employer")).text
    assert 'data-testid="offer-apply-form"' in page
    assert "postulez ici" in page
    assert "peut avoir mon nom et mon adresse électronique" in page
    empty = await seeker.post("/app/offers/o-employer/apply", data=form(message=" "))
    assert_refused(empty, "Écrivez un message à l&#39;employeur.", 'aria-invalid="true"')
    assert not services.offer_applications

    sent = await seeker.post(
        "/app/offers/o-employer/apply",
        data=form(message="Agent d'entretien depuis 5 ans.", consent_to_share_contact="true"),
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == "/app/offers/o-employer?done=applied#apply-heading"
    (request,) = services.sent("offers", "POST", "/offers/o-employer/applications/s-1")
    assert request["contact"] == {
        "first_name": "Amina",
        "last_name": "Diallo",
        "email": "a@example.org",
    }
    after = (await seeker.get(sent.headers["location"])).text
    assert "Votre candidature est envoyée à l&#39;employeur." in after
    assert "Vous avez postulé à cette offre le 03/12/2026." in after
    assert 'data-testid="offer-apply-form"' not in after

    withdrawn = await seeker.post("/app/offers/o-employer/withdraw", data=form())
    assert withdrawn.status_code == 303
    assert services.sent("offers", "POST", f"/offers/applications/{'b' * 32}/withdraw")
    gone = (await seeker.get(withdrawn.headers["location"])).text
    assert "Vous avez retiré votre candidature le 04/12/2026" in gone
    services.offer_applications.clear()
    english = (await seeker.get("/app/offers/o-employer?lang=en")).text
    assert "Send my application to the employer" in english


async def test_an_application_without_consent_carries_no_contact_and_refusals_are_said(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    too_many = await seeker.post(
        "/app/offers/o-employer/apply?lang=en", data=form(message="one too many")
    )
    assert too_many.status_code == 429
    assert "You sent the most applications to offers allowed today" in too_many.text
    assert "one too many" in too_many.text  # the message is kept in the form
    await seeker.post("/app/offers/o-employer/apply", data=form(message="Bonjour"))
    (_, request) = services.sent("offers", "POST", "/offers/o-employer/applications/s-1")
    assert request["consent_to_share_contact"] is False
    assert request["contact"] is None


async def test_the_counsellors_file_lists_the_seekers_applications_to_offers(
    web: FastAPI, browser: httpx.AsyncClient, services: Services
) -> None:
    sign_in(web, browser, "s-1", "seeker")
    await browser.post(
        "/app/offers/o-employer/apply",
        data=form(message="Disponible le matin.", consent_to_share_contact="true"),
    )
    sign_in(web, browser, "c-1", "counsellor")
    page = (await browser.get("/console/seekers/s-1")).text
    assert 'data-testid="offer-application-item" data-offer-id="o-employer"' in page
    assert "Disponible le matin." in page
    assert "Coordonnées partagées avec l&#39;employeur" in page
    assert 'href="/console/offers/o-employer?seeker=s-1"' in page


async def test_the_counsellor_sees_an_employers_offer_without_the_form(
    counsellor: httpx.AsyncClient,
) -> None:
    page = (await counsellor.get("/console/offers/o-employer")).text
    assert "la personne postule depuis la page de" in page
    assert 'data-testid="offer-apply-form"' not in page


async def test_the_offer_page_shows_the_offer_even_when_the_profile_cannot_be_read(
    web: FastAPI, browser: httpx.AsyncClient
) -> None:
    sign_in(web, browser, "s-unlucky", "seeker")

    page = await browser.get("/app/offers/o-1")

    assert page.status_code == 200
    assert "Entretien de bureaux" in page.text
    assert 'data-testid="offer-distance"' not in page.text


async def test_the_search_page_starts_from_the_seekers_occupation_and_home(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    page = (await seeker.get("/app/offers")).text
    wrong = await seeker.get("/app/offers?commune=Atlantis")

    assert 'data-testid="offer-card" data-offer-id="o-1"' in page
    assert 'href="/app/offers/o-1"' in page
    assert 'value="Lyon"' in page
    (asked,) = services.sent("offers", "GET", "/offers")  # not for the wrong commune
    assert sorted(asked) == [
        ("commune", "69123"),
        ("page", "1"),
        ("page_size", "10"),
        ("radius_km", "15"),
        ("rome", "K2204"),
    ]
    assert_refused(wrong, 'aria-invalid="true"', "Commune inconnue")
    services.offers_total = 25
    second = (await seeker.get("/app/offers?q=agent&commune=69123&page=2")).text
    assert "Page 2 sur 3" in second
    assert 'href="/app/offers?q=agent&amp;rome=&amp;commune=69123&amp;' in second


async def test_the_console_shows_an_offer_with_what_a_seeker_of_the_caseload_lacks(
    web: FastAPI, browser: httpx.AsyncClient
) -> None:
    sign_in(web, browser, "c-1", "counsellor")

    page = await browser.get("/console/offers/o-1?seeker=s-1")
    other = await browser.get("/console/offers/o-1?seeker=s-2")

    assert page.status_code == 200
    assert "Code ROME K2204" in page.text
    assert "son profil ne le mentionne pas" in page.text  # the seeker's, not the counsellor's
    assert 'href="/console/seekers/s-1"' in page.text
    assert other.status_code == 404
    log = web.state.access_log.rows
    assert [(r["seeker_id"], r["what"]) for r in log] == [("s-1", "profile")]


async def test_applying_to_a_company_sends_the_form_and_tells_refusals_in_plain_words(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    url = "/app/companies/22222222200022/apply"

    sent = await seeker.post(url, data=form(message="Bonjour", consent_to_share_contact="true"))
    empty = await seeker.post(url, data=form(message=" "))
    refused = await seeker.post(url, data=form(message="one too many"))

    assert (sent.status_code, sent.headers["location"]) == (
        303,
        "/app/companies?done=applied_sent#applications",
    )
    first, _ = services.sent("companies", "POST", "/companies/22222222200022/applications/s-1")
    assert first == {"message": "Bonjour", "consent_to_share_contact": True}
    assert_refused(empty, "Écrivez un message")
    assert_refused(refused, "nombre maximum de candidatures", 'data-testid="apply-error-summary"')
    page = (await seeker.get("/app/companies")).text
    assert 'action="/app/companies/11111111100011/apply"' not in page  # applied already


async def test_the_profile_form_names_the_occupation_and_the_commune(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    page = (await seeker.get("/app/profile")).text
    await seeker.post(
        "/app/profile", data=profile_form(working_time="any", commune_code="Villeurbanne")
    )

    assert '<option value="K2204" selected>Nettoyage de locaux</option>' in page
    assert 'value="Lyon"' in page
    assert 'value="69123"' not in page
    (patch,) = services.sent("profiles", "PATCH", "/seekers/s-1/profile")
    assert patch["place"] == {"commune_code": "69266"}


async def test_the_seeker_page_explains_matches_and_shows_feedback(
    counsellor: httpx.AsyncClient,
) -> None:
    page = (await counsellor.get("/console/seekers/s-1")).text

    assert 'data-testid="match-card" data-offer-id="o-1"' in page
    assert "82 %" in page
    assert "1 900 € brut par mois" in page
    assert "CDI" in page
    assert "L&#39;offre ne précise pas le salaire." in page
    assert 'data-testid="feedback-item"' in page
    assert "C&#39;est trop loin" in page
    assert 'id="review-on" name="enabled" value="true" checked' in page
    assert 'data-testid="application-item" data-siret="11111111100011"' in page
    assert "À transmettre par vous" in page
    assert "Vendeuse depuis six ans" in page


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize(
    ("path", "role", "sub"),
    [(p, "seeker", "s-1") for p in SEEKER_PAGES]
    + [(p, "counsellor", "c-1") for p in CONSOLE_PAGES]
    + [("/app/login", None, None), ("/console/login", None, None)],
)
async def test_each_page_renders_in_french_and_english(
    web: FastAPI,
    browser: httpx.AsyncClient,
    path: str,
    role: str | None,
    sub: str | None,
    lang: str,
) -> None:
    if role and sub:
        sign_in(web, browser, sub, role)

    response = await browser.get(path, params={"lang": lang})

    assert response.status_code == 200, response.text
    page = response.text
    assert f'<html lang="{lang}"' in page
    assert page.count("<h1") == 1
    assert re.search(r"<title>[^<]+ – Tremplin</title>", page)
    assert "<main" in page
    assert "<footer" in page
    assert 'href="#contenu"' in page
    other = "Français" if lang == "en" else "English"
    assert other in page
    assert f"tremplin_lang={lang}" in response.headers["set-cookie"]


async def test_page_titles_are_unique(web: FastAPI, browser: httpx.AsyncClient) -> None:
    titles = []
    for pages, sub, role in [(SEEKER_PAGES, "s-1", "seeker"), (CONSOLE_PAGES, "c-1", "counsellor")]:
        sign_in(web, browser, sub, role)
        for path in pages:
            page = (await browser.get(path)).text
            titles.append(re.search(r"<title>([^<]+)</title>", page).group(1))  # type: ignore[union-attr]
    assert len(set(titles)) == len(titles), titles


async def test_the_language_follows_accept_language_then_the_cookie(
    browser: httpx.AsyncClient,
) -> None:
    english = await browser.get("/app/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    french = await browser.get("/app/login", headers={"Accept-Language": "de, fr;q=0.5"})
    browser.cookies.set("tremplin_lang", "en")
    kept = await browser.get("/app/login", headers={"Accept-Language": "fr"})

    assert '<html lang="en"' in english.text
    assert "Sign in" in english.text
    assert '<html lang="fr"' in french.text
    assert "Se connecter" in french.text
    assert '<html lang="en"' in kept.text


async def test_pages_say_the_reasons_in_their_language(seeker: httpx.AsyncClient) -> None:
    page = (await seeker.get("/app/recommendations?lang=en")).text
    french = (await seeker.get("/app/recommendations?lang=fr")).text

    assert "The job is 4 km from home, within the 15 km you accept." in page
    assert "Le poste est à 4 km de chez vous, dans les 15 km que vous acceptez." in french
    assert 'data-testid="match-card" data-offer-id="o-1"' in page


@pytest.mark.parametrize(
    "reason",
    ["too_far", "wrong_contract", "salary", "not_my_occupation", "already_applied", "other"],
)
async def test_not_for_me_forwards_the_reason_the_seeker_chose(
    seeker: httpx.AsyncClient, services: Services, reason: str
) -> None:
    page = (await seeker.get("/app/recommendations/o-1/not-for-me")).text
    assert f'name="reason" value="{reason}"' in page
    assert f'<label class="fr-label" for="reason-{reason}">{escape(render(reason))}</label>' in page

    sent = await seeker.post("/app/recommendations/o-1/not-for-me", data=form(reason=reason))

    assert (sent.status_code, sent.headers["location"]) == (
        303,
        "/app/recommendations?done=feedback",
    )
    path = "/seekers/s-1/recommendations/o-1/feedback"
    assert services.sent("recommender", "POST", path) == [{"reason": reason}]


async def test_not_for_me_without_a_reason_says_so_next_to_the_radios(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    sent = await seeker.post("/app/recommendations/o-1/not-for-me", data=form(reason="bored"))

    assert_refused(sent, 'id="reason-error"', "Choisissez une raison.")
    assert not services.sent("recommender", "POST", "/seekers/s-1/recommendations/o-1/feedback")


async def test_approving_forwards_the_note_and_rejecting_forwards_nothing_else(
    counsellor: httpx.AsyncClient, services: Services
) -> None:
    queue = (await counsellor.get("/console/review")).text
    assert 'data-testid="held-alert" data-alert-id="s-1:o-1" data-offer-id="o-1"' in queue

    approved = await counsellor.post(
        "/console/review/s-1:o-1/approve", data=form(note="Foncez, Amina !")
    )
    bare = await counsellor.post("/console/review/s-1:o-1/approve", data=form(note=""))
    rejected = await counsellor.post("/console/review/s-1:o-1/reject", data=form())

    assert approved.headers["location"] == "/console/review?done=approved"
    assert rejected.headers["location"] == "/console/review?done=rejected"
    assert services.sent("notifier", "POST", "/held-alerts/s-1:o-1/approve") == [
        {"note": "Foncez, Amina !"},
        {"note": None},
    ]
    assert len(services.sent("notifier", "POST", "/held-alerts/s-1:o-1/reject")) == 1
    assert bare.status_code == 303


async def test_the_review_switch_patches_the_seekers_profile(
    counsellor: httpx.AsyncClient, services: Services
) -> None:
    switched = await counsellor.post(
        "/console/seekers/s-1/review-before-send", data=form(enabled="false")
    )

    assert switched.headers["location"] == "/console/seekers/s-1?done=saved"
    assert services.sent("profiles", "PATCH", "/seekers/s-1/profile") == [
        {"review_before_send": False}
    ]


async def test_profile_errors_from_the_profiles_service_show_next_to_their_field(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    refused = await seeker.post(
        "/app/profile", data=profile_form(radius_km="999", contract_types="CDI")
    )
    saved = await seeker.post(
        "/app/profile", data=profile_form(radius_km="20", contract_types="CDD")
    )

    assert_refused(
        refused,
        'id="f-radius_km" name="radius_km" type="text" value="999" inputmode="numeric"',
        'aria-invalid="true" aria-describedby="f-radius_km-error"',
        'href="#f-radius_km"',  # the error summary links to the field
        "Saisissez un nombre inférieur ou égal à 200.",
    )
    assert saved.headers["location"] == "/app/profile?done=saved"
    patch = services.sent("profiles", "PATCH", "/seekers/s-1/profile")[-1]
    assert patch["radius_km"] == 20
    assert patch["contract_types"] == [{"contract_type": "CDD", "priority": 1}]


async def test_a_new_profile_is_checked_here_before_it_is_created(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    fields = {"exists": "0", "first_name": "", "last_name": "Diallo", "rome_code": "K2204"}

    refused = await seeker.post(
        "/app/profile", data=form(**fields, commune_code="69123", radius_km="abc")
    )

    assert_refused(
        refused,
        'aria-describedby="f-first_name-error"',
        'aria-describedby="f-radius_km-error"',
        "Saisissez un nombre entier, sans lettre.",
        "Ce champ est obligatoire.",
    )
    assert not services.sent("profiles", "PUT", "/seekers/s-1/profile")


async def test_notifications_show_the_counsellors_note_and_a_live_region(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    page = (await seeker.get("/app/notifications")).text
    read = await seeker.post("/app/notifications/n-1/read", data=form())

    assert 'data-testid="notification" data-id="n-1" data-offer-id="o-1"' in page
    assert 'data-testid="counsellor-note">Foncez, Amina !' in page
    assert 'aria-live="polite"' in page
    assert 'data-testid="live-feed"' in page
    assert 'data-stream="/app/notifications/stream?after=7"' in page
    assert read.headers["location"] == "/app/notifications"
    assert services.sent("notifier", "POST", "/seekers/s-1/notifications/n-1/read")


@pytest.mark.parametrize(
    ("path", "sub", "role", "upstream"),
    [
        ("/app/notifications/stream", "s-1", "seeker", "/seekers/s-1/notifications/stream"),
        (
            "/console/notifications/stream",
            "c-1",
            "counsellor",
            "/counsellors/c-1/notifications/stream",
        ),
    ],
)
async def test_the_live_streams_relay_the_notifiers_events_from_where_the_page_stopped(
    web: FastAPI,
    browser: httpx.AsyncClient,
    services: Services,
    path: str,
    sub: str,
    role: str,
    upstream: str,
) -> None:
    sign_in(web, browser, sub, role)

    response = await browser.get(path, params={"after": "7"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert 'data: {"id": "n-2"}' in response.text
    resumed = [c for c in services.calls if c[2] == upstream]
    assert len(resumed) == 1


async def test_preferences_are_saved_with_the_inbox_always_on(
    seeker: httpx.AsyncClient, services: Services
) -> None:
    fields = form(frequency="daily", quiet_start="22:00", quiet_end="07:30")

    saved = await seeker.post(
        "/app/preferences",
        data={**fields, "channels_new_match": ["email", "sms"]},
    )

    assert saved.headers["location"] == "/app/preferences?done=saved"
    (sent,) = services.sent("notifier", "PUT", "/seekers/s-1/preferences")
    assert sent["channels"]["new_match"] == ["inbox", "email", "sms"]
    assert sent["channels"]["offer_closed"] == ["inbox"]
    assert sent["frequency"] == "daily"
    assert sent["quiet_hours"] == {"start": "22:00", "end": "07:30"}


async def test_the_seeker_sees_who_opened_their_file(
    web: FastAPI, browser: httpx.AsyncClient
) -> None:
    sign_in(web, browser, "c-1", "counsellor")
    await browser.get("/console/seekers/s-1")
    sign_in(web, browser, "s-1", "seeker")

    page = (await browser.get("/app/access-log")).text

    # profile, suggestions, spontaneous applications, applications to offers
    assert page.count('data-testid="access-entry"') == 4
    assert "Vos candidatures spontanées" in page
    assert "<caption>" in page
    assert 'scope="col"' in page


async def test_erasing_the_account_deletes_it_everywhere_and_signs_out(
    web: FastAPI, browser: httpx.AsyncClient, services: Services
) -> None:
    await web.state.access_log.record("s-1", "c-1", None, "profile")
    sign_in(web, browser, "s-1", "seeker")

    erased = await browser.post("/app/erase", data=form())

    assert erased.status_code == 200
    assert services.sent("profiles", "DELETE", "/seekers/s-1") == [None]
    assert web.state.access_log.rows == []
    assert web.state.web_sessions.sessions == {}
    assert 'tremplin_session=""' in erased.headers["set-cookie"]


async def test_without_the_development_issuer_sign_in_goes_through_the_identity_provider(
    services: Services,
) -> None:
    app = create_app(Settings(dev_issuer=False, web_dsfr_dir=None))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as browser:
        page = await browser.get("/app/login")
        browser.cookies.set("tremplin_csrf", CSRF)
        tried = await browser.post("/app/login", data=form(seeker_id="s-1"))

    assert page.status_code == 200
    assert "fournisseur d&#39;identité" in page.text
    assert 'name="seeker_id"' not in page.text
    assert "tremplin_session" not in tried.headers.get("set-cookie", "")


async def test_pages_are_rate_limited_like_the_api(services: Services) -> None:
    settings = Settings(dev_issuer=True, rate_per_address=0.001, burst_per_address=2)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as browser:
        codes = [(await browser.get("/app/login")).status_code for _ in range(3)]

    assert codes == [200, 200, 429]


@pytest.fixture
def design_system(tmp_path: Path) -> Path:
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts" / "Marianne-Regular.woff2").write_bytes(b"font")
    (tmp_path / "dsfr.min.css").write_text(".fr-btn{}")
    return tmp_path


@pytest.mark.parametrize("theme", [WebTheme.NEUTRAL, WebTheme.STATE])
async def test_the_neutral_theme_serves_no_marianne_and_the_state_theme_does(
    design_system: Path, theme: WebTheme
) -> None:
    app = create_app(Settings(dev_issuer=True, web_dsfr_dir=design_system, web_theme=theme))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as browser:
        css = await browser.get("/static/dsfr/dsfr.min.css")
        font = await browser.get("/static/dsfr/fonts/Marianne-Regular.woff2")
        page = (await browser.get("/app/login")).text

    assert css.status_code == 200
    assert 'href="/static/dsfr/dsfr.min.css"' in page
    if theme is WebTheme.NEUTRAL:
        assert font.status_code == 404
        assert "République" not in page
        assert "neutral.css" in page
    else:
        assert font.status_code == 200
        assert '<p class="fr-logo">République<br>Française</p>' in page
        assert "neutral.css" not in page


async def test_without_the_design_system_pages_use_their_own_stylesheet(
    browser: httpx.AsyncClient,
) -> None:
    page = (await browser.get("/app/login")).text
    css = await browser.get("/static/web/fallback.css")

    assert "dsfr.min.css" not in page
    assert "/static/web/fallback.css" in page
    assert css.status_code == 200


class RoutersMounted(FastAPI):
    """An app that keeps the routers `mount` includes in it."""

    def __init__(self) -> None:
        super().__init__()
        self.routers: list[APIRouter] = []

    def include_router(self, router: APIRouter, **options: Any) -> None:
        self.routers.append(router)
        super().include_router(router, **options)


def web_routes() -> list[tuple[str, str]]:
    app = RoutersMounted()
    mount(app, Settings(web_dsfr_dir=None))
    return sorted(
        (method, route.path)
        for router in app.routers
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    )


def test_every_web_route_has_a_rule() -> None:
    routes = web_routes()
    for method, path in routes:
        assert (method, path) in WEB_RULES, f"no access rule for {method} {path}"
    assert set(routes) == set(WEB_RULES), "a rule names a page that is gone"


SAMPLE_IDS = {
    "{offer_id}": "o-1",
    "{seeker_id}": "s-1",
    "{alert_id}": "a-1",
    "{notification_id}": "n-1",
    "{siret}": "11111111100011",
    "{session_id}": "F1:A1:S1",
}
SUBJECTS = {"seeker": "s-1", "counsellor": "c-1", "employer": "e-1", "operator": "ops-1"}


@pytest.mark.parametrize("role", [None, *SUBJECTS])
@pytest.mark.parametrize(("method", "path"), web_routes())
async def test_web_access(
    web: FastAPI, browser: httpx.AsyncClient, method: str, path: str, role: str | None
) -> None:
    url = path
    for name, value in SAMPLE_IDS.items():
        url = url.replace(name, value)
    if role:
        sign_in(web, browser, SUBJECTS[role], role)
    else:
        browser.cookies.set("tremplin_csrf", CSRF)
    data = form(reason="too_far", seeker_id="s-1", counsellor_id="c-1", enabled="true")

    response = await browser.request(method, url, data=data if method == "POST" else None)

    allowed = WEB_RULES[(method, path)]
    if allowed == PUBLIC:
        assert response.status_code in (200, 303)
        assert response.headers.get("location") not in ("/app/login", "/console/login") or (
            path.endswith("/logout")
        )
    elif role is None:
        assert response.status_code == 303
        assert response.headers["location"] in ("/app/login", "/console/login")
    elif role not in {r.value for r in allowed}:
        assert response.status_code == 403
    else:
        assert response.status_code in (200, 303, 422), response.text


async def test_saving_the_profile_keeps_what_the_form_does_not_show(
    seeker: httpx.AsyncClient, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = PROFILE["profile"]
    assert isinstance(profile, dict)
    occupations = [{"rome_code": "K2204", "priority": 1}, {"rome_code": "G1603", "priority": 2}]
    monkeypatch.setitem(profile, "occupations", occupations)
    contracts = [{"contract_type": "CDI", "priority": 1}, {"contract_type": "DDI", "priority": 2}]
    monkeypatch.setitem(profile, "contract_types", contracts)
    fields = profile_form(
        rome_code="N1103", radius_km="20", working_time="any", contract_types="CDD"
    )

    await seeker.post("/app/profile", data=fields)

    (patch,) = services.sent("profiles", "PATCH", "/seekers/s-1/profile")
    assert patch["occupations"] == [
        {"rome_code": "N1103", "priority": 1},
        {"rome_code": "G1603", "priority": 2},
    ]
    assert patch["contract_types"] == [
        {"contract_type": "CDD", "priority": 1},
        {"contract_type": "DDI", "priority": 2},
    ]


async def test_the_caseload_shows_counts_and_pages(
    web: FastAPI, browser: httpx.AsyncClient, services: Services
) -> None:
    services.caseload_total = 120
    sign_in(web, browser, "c-1", "counsellor")

    page = (await browser.get("/console?page=2")).text

    row = re.search(r'<tr data-testid="caseload-row" data-seeker-id="s-1">(.*?)</tr>', page, re.S)
    assert row
    assert [c.strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)][:1] == ["1"]
    assert 'href="/console/review">1</a>' in row.group(1)
    assert "Page 2 sur 3" in page
    assert 'href="/console?page=1"' in page
    assert 'href="/console?page=3"' in page
    (asked,) = [c for c in services.calls if c[2] == "/counsellors/c-1/caseload"]
    assert asked[0] == "profiles"
    assert not web.state.access_log.rows  # counting suggestions is not opening a file


def test_an_empty_or_wrong_design_system_folder_serves_nothing(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("not for the web")

    empty = Settings(web_dsfr_dir="")
    elsewhere = create_app(Settings(web_dsfr_dir=tmp_path))

    assert empty.web_dsfr_dir is None
    assert not [r for r in elsewhere.routes if getattr(r, "path", "") == "/static/dsfr"]


@pytest.mark.parametrize(
    ("lang", "reason"), [("fr", "À 0,4 km de chez vous"), ("en", "0.4 km from home")]
)
async def test_the_companies_page_lists_companies_with_their_reasons_and_my_applications(
    seeker: httpx.AsyncClient, lang: str, reason: str
) -> None:
    page = (await seeker.get(f"/app/companies?lang={lang}")).text

    assert 'data-testid="company-card" data-siret="11111111100011"' in page
    assert reason in page
    assert 'data-testid="application-item" data-siret="11111111100011"' in page
