"""The trainings pages: the seeker's /app/trainings and a seeker's trainings in the console, in
front of fake services that answer like the real ones and record what they were asked."""

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from testkit.builders import GAP, stored_profile, training_session

from gateway.config import Settings
from gateway.web.sessions import WebSession, digest, new_secret, now
from servicekit.auth import InternalAuthSettings, Role, read_internal_token

CSRF = "test-csrf-token-0123456789"
CASELOAD = {"c-1": {"s-1"}}
DECIDE = "/console/seekers/s-1/trainings/F1:A1:S1"  # the counsellor's forms about session F1:A1:S1
RECOMMENDATION = "/trainings/seekers/s-1/sessions/F1:A1:S1/recommendation"
PROFILE = stored_profile(
    version=3, occupations=[{"rome_code": "A1410", "priority": 1}], place=GAP, radius_km=30
)
SESSION = training_session()
REASONS = [
    {"code": "gap_licence_missing", "params": {"count": 3, "near": 3}, "fr": "", "en": ""},
    {"code": "funding", "params": {"funders": "4"}, "fr": "", "en": ""},
]


def proposal(recommended: bool = False) -> dict[str, Any]:
    decision = {
        "seeker_id": "s-1",
        "session_id": "F1:A1:S1",
        "state": "recommended",
        "counsellor_id": "c-1",
        "note": "Le permis vous ouvrira les offres de berger.",
        "reason": None,
        "decided_at": "2026-12-03T10:00:00Z",
    }
    return {
        "session": SESSION,
        "distance_km": 2.4,
        "fills": "licence_missing",
        "reasons": REASONS,
        "recommendation": decision if recommended else None,
    }


class Services:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str, Any]] = []
        self.recommended = False
        self.decision_status = 200
        self.app = FastAPI()
        self.app.add_api_route("/{path:path}", self.answer, methods=["GET", "POST"])

    def sent(self, service: str, path: str) -> list[Any]:
        return [body for s, _, p, body in self.calls if (s, p) == (service, path)]

    async def answer(self, path: str, request: Request) -> Response:
        service = request.url.hostname or ""
        body = await request.json() if await request.body() else None
        self.calls.append((service, request.method, "/" + path, body))
        who = read_internal_token(
            request.headers["authorization"].removeprefix("Bearer "), InternalAuthSettings()
        )
        parts = path.split("/")
        if parts[0] == "seekers":
            mine = (who.role is Role.SEEKER and who.sub == parts[1]) or (
                who.role is Role.COUNSELLOR and parts[1] in CASELOAD.get(who.sub, set())
            )
            if not mine:
                return JSONResponse({"detail": "not yours"}, status_code=404)
        if service == "profiles":
            return JSONResponse(PROFILE)
        if service == "recommender":
            return JSONResponse([])
        if parts[-1] == "proposals":
            return JSONResponse([proposal(self.recommended)])
        if self.decision_status != 200:
            detail = {"detail": "This session takes no more trainees."}
            return JSONResponse(detail, status_code=self.decision_status)
        return JSONResponse(proposal(True)["recommendation"])


@pytest.fixture
def services() -> Services:
    return Services()


@pytest.fixture
async def browser(services: Services, gateway_over: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(dev_issuer=True, upstream_retries=0, web_dsfr_dir=None)
    web: FastAPI = await gateway_over(settings, services.app)
    transport = httpx.ASGITransport(app=web)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        client.app = web  # type: ignore[attr-defined]
        yield client


def sign_in(browser: httpx.AsyncClient, sub: str, role: str) -> None:
    secret = new_secret()
    session = WebSession(sub, Role(role), None, now() + timedelta(hours=1))
    browser.app.state.web_sessions.sessions[digest(secret)] = session  # type: ignore[attr-defined]
    browser.cookies.set("tremplin_session", secret)
    browser.cookies.set("tremplin_csrf", CSRF)


@pytest.fixture
def counsellor(browser: httpx.AsyncClient) -> httpx.AsyncClient:
    """The browser of counsellor c-1, whose caseload holds s-1."""
    sign_in(browser, "c-1", "counsellor")
    return browser


def one_h1(page: str) -> str:
    [h1] = re.findall(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return h1.strip()


@pytest.mark.parametrize(
    ("lang", "h1", "dates", "cost", "note", "why"),
    [
        (
            "fr",
            "Formations pour vous",
            "du 1er février 2027 au 26 février 2027",
            "1450 €",
            "Votre conseiller vous recommande",
            "3 des 3 offres proches de vous demandent un permis que votre profil ne mentionne pas.",
        ),
        (
            "en",
            "Trainings for you",
            "from 1 February 2027 to 26 February 2027",
            "€1450",
            "Your counsellor recommends",
            "3 of the 3 offers near you ask for a licence your profile does not mention.",
        ),
    ],
)
async def test_the_seeker_sees_each_training_with_its_facts_reasons_and_counsellors_note(
    browser: httpx.AsyncClient,
    services: Services,
    lang: str,
    h1: str,
    dates: str,
    cost: str,
    note: str,
    why: str,
) -> None:
    services.recommended = True
    sign_in(browser, "s-1", "seeker")

    page = await browser.get(f"/app/trainings?lang={lang}")

    assert page.status_code == 200, page.text
    assert f'<html lang="{lang}"' in page.text
    assert one_h1(page.text) == h1
    assert f"<title>{h1} – " in page.text
    assert 'href="/app/trainings" aria-current="page"' in page.text
    assert 'data-testid="training-card" data-session-id="F1:A1:S1"' in page.text
    assert dates in page.text
    assert cost in page.text
    assert "35 " in page.text
    assert "France Travail" in page.text
    assert 'href="https://formation.example/permis-b"' in page.text
    assert 'data-testid="training-recommendation"' in page.text
    assert note in page.text
    assert "Le permis vous ouvrira les offres de berger." in page.text
    assert why in page.text
    [asked] = services.sent("trainings", "/trainings/proposals")
    assert asked["seeker_id"] == "s-1"


async def test_the_counsellor_recommends_with_a_note_behind_the_csrf_check(
    counsellor: httpx.AsyncClient, services: Services
) -> None:
    page = await counsellor.get("/console/seekers/s-1/trainings")
    assert page.status_code == 200, page.text
    assert one_h1(page.text) == "Formations pour Amina Diallo"
    assert 'action="/console/seekers/s-1/trainings/F1%3AA1%3AS1/recommend"' in page.text
    assert 'name="note"' in page.text
    assert f'value="{CSRF}"' in page.text

    refused = await counsellor.post(f"{DECIDE}/recommend", data={"note": "Allez-y"})
    assert refused.status_code == 403
    assert services.sent("trainings", RECOMMENDATION) == []

    done = await counsellor.post(
        "/console/seekers/s-1/trainings/F1%3AA1%3AS1/recommend",
        data={"csrf_token": CSRF, "note": "  Allez-y  "},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/console/seekers/s-1/trainings?done=recommended"
    sent = services.sent("trainings", RECOMMENDATION)
    assert sent == [{"note": "Allez-y"}]
    services.recommended = True
    after = await counsellor.get(done.headers["location"])
    assert "la personne reçoit une alerte avec votre mot" in after.text
    assert 'data-testid="training-recommended"' in after.text
    assert 'data-testid="recommend-form"' not in after.text


async def test_a_dismissal_forwards_the_reason_and_a_full_session_says_so(
    counsellor: httpx.AsyncClient, services: Services
) -> None:
    dismissed = await counsellor.post(
        f"{DECIDE}/dismiss",
        data={"csrf_token": CSRF, "reason": "A déjà le permis"},
    )
    assert dismissed.headers["location"].endswith("?done=dismissed")
    sent = services.sent("trainings", "/trainings/seekers/s-1/sessions/F1:A1:S1/dismissal")
    assert sent == [{"reason": "A déjà le permis"}]

    services.decision_status = 409
    full = await counsellor.post(f"{DECIDE}/recommend", data={"csrf_token": CSRF})
    assert full.headers["location"].endswith("?done=not_joinable")
    shown = await counsellor.get(full.headers["location"] + "&lang=en")
    assert "This session takes no more trainees" in shown.text


async def test_a_note_too_long_is_shown_next_to_its_field_and_nothing_is_sent(
    counsellor: httpx.AsyncClient, services: Services
) -> None:
    page = await counsellor.post(
        f"{DECIDE}/recommend",
        data={"csrf_token": CSRF, "note": "x" * 1001},
    )

    assert page.status_code == 422
    assert 'id="f-note-F1-A1-S1" name="note"' in page.text
    assert 'aria-invalid="true"' in page.text
    assert 'id="f-note-F1-A1-S1-error"' in page.text
    assert "1000 au plus" in page.text
    assert 'href="#f-note-F1-A1-S1"' in page.text
    assert services.sent("trainings", RECOMMENDATION) == []


async def test_a_seeker_outside_the_caseload_is_not_found_and_nothing_is_decided(
    browser: httpx.AsyncClient, services: Services
) -> None:
    sign_in(browser, "c-2", "counsellor")

    page = await browser.get("/console/seekers/s-1/trainings")
    posted = await browser.post(f"{DECIDE}/dismiss", data={"csrf_token": CSRF})

    assert (page.status_code, posted.status_code) == (404, 404)
    assert [c for c in services.calls if c[0] == "trainings"] == []


async def test_the_seekers_file_links_to_their_trainings(
    counsellor: httpx.AsyncClient, services: Services
) -> None:
    page = await counsellor.get("/console/seekers/s-1")

    assert 'href="/console/seekers/s-1/trainings" data-testid="trainings-link"' in page.text
