"""The gateway in memory, in front of a fake upstream that applies the services' ownership rules.

Unit tests only: the real services stand behind the gateway in the end-to-end tests.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from testkit.apps import client_of
from testkit.builders import company_application, stored_profile

from gateway.config import Settings
from gateway.main import create_app
from gateway.tokens import TokenVerifier
from gateway.upstream import Upstreams
from gateway.web.sessions import PendingSignIn, WebSession, digest, new_secret, now
from servicekit.auth import InternalAuthSettings, Role, read_internal_token

CASELOAD = {"c-1": {"s-1"}}
OFFER_OWNERS = {"o-1": "e-1", "o-2": "e-2"}
PROFILE = stored_profile(fingerprint="internal")
PROFILE["secret_internal_field"] = "must not leak"


OFFER = {
    "id": "o-1",
    "title": "Agent d'entretien H/F",
    "rome_code": "K2204",
    "contract_type": "CDI",
    "place": {"commune_code": "69123", "latitude": 45.76, "longitude": 4.83},
    "created_at": "2026-11-25T10:00:00Z",
    "updated_at": "2026-11-25T10:00:00Z",
    "valid_until": "2026-12-25T10:00:00Z",
    "origin": "employer",
}
OFFER_VIEW = {"offer": OFFER, "version": 1, "status": "open"}
TRAINING_IMPORT = {
    "accepted": 1,
    "updated": 0,
    "unchanged": 0,
    "rejected": 0,
    "closed": 0,
    "rejections": [],
    "notices": [],
}


def offers_answer(path: str, method: str) -> dict[str, Any]:
    if path == "offers" and method == "GET":
        return {"total": 1, "page": 1, "page_size": 20, "items": [OFFER_VIEW]}
    if path == "offers/import":
        return {"accepted": 1, "updated": 0, "unchanged": 0, "rejected": []}
    return OFFER_VIEW


ATTENTION = {
    "period": "p7-47",
    "seekers": 1,
    "companies_shown": 1,
    "views": 1,
    "over_capacity": 0,
    "load_p50": 0.1,
    "load_p90": 0.1,
    "load_p99": 0.1,
    "load_max": 0.1,
    "busiest": [{"siret": "11111111100011", "seekers": 1, "capacity": 10}],
}


APPLICATION = company_application()


OFFER_APPLICATION = {
    "kind": "offer",
    "application_id": "a" * 32,
    "offer_id": "o-1",
    "offer_title": "Agent d'entretien H/F",
    "employer_name": None,
    "seeker_id": "s-1",
    "message": "Bonjour",
    "consent_to_share_contact": True,
    "status": "submitted",
    "route": "kept_for_employer",
    "created_at": "2026-12-03T10:00:00Z",
    "withdrawn_at": None,
}


def offer_applications_answer(parts: list[str], method: str, who: Any) -> Response:
    """The offers service's applications: a seeker's own, an employer's offer's only."""
    if parts[1] == "applications" and parts[2] == "of":
        if who.role is Role.EMPLOYER or (who.role is Role.SEEKER and who.sub != parts[3]):
            return JSONResponse({"detail": "not yours"}, status_code=403)
        return JSONResponse({"items": [OFFER_APPLICATION]})
    if parts[1] == "applications":  # withdraw
        return JSONResponse({**OFFER_APPLICATION, "status": "withdrawn"})
    if method == "POST":
        if who.role is not Role.SEEKER or who.sub != parts[3]:
            return JSONResponse({"detail": "for yourself only"}, status_code=403)
        return JSONResponse(OFFER_APPLICATION, status_code=201)
    if who.role is not Role.EMPLOYER or OFFER_OWNERS.get(parts[1]) != who.sub:
        return JSONResponse({"detail": "not your offer"}, status_code=403)
    listed = {"offer_id": parts[1], "offer_title": "Agent", "emailed_to": None, "items": []}
    return JSONResponse(listed)


def companies_answer(path: str) -> dict[str, Any]:
    if path == "companies/import":
        return {"accepted": 1, "updated": 0, "unchanged": 0, "rejected": []}
    if path == "companies/attention":
        return ATTENTION
    if path.endswith(("/opt-out", "/close")):
        return {"siret": path.split("/")[1], "status": "closed", "reason": None}
    if path.startswith("companies/applications/of/"):
        return {"items": []}
    if "/applications/" in path:
        return APPLICATION
    return {"items": [], "total_in_reach": 0}


def training_decision(parts: list[str], counsellor_id: str) -> dict[str, Any]:
    """trainings/seekers/{seeker}/sessions/{session}/recommendation (or dismissal)."""
    recommended = parts[-1] == "recommendation"
    return {
        "seeker_id": parts[2],
        "session_id": parts[4],
        "state": "recommended" if recommended else "dismissed",
        "counsellor_id": counsellor_id,
        "note": None,
        "reason": None,
        "decided_at": "2026-12-03T10:00:00Z",
    }


def fake_upstream() -> FastAPI:
    """Answers like the services would, after checking the internal token's principal."""
    upstream = FastAPI()

    @upstream.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    async def anything(path: str, request: Request) -> Response:
        if path.startswith("health/"):
            return JSONResponse({"status": "ready", "checks": {}})
        token = request.headers["authorization"].removeprefix("Bearer ")
        who = read_internal_token(token, InternalAuthSettings())
        parts = path.split("/")
        if parts[0] == "seekers":
            seeker = parts[1]
            own = (
                (who.role is Role.SEEKER and who.sub == seeker)
                or (who.role is Role.COUNSELLOR and seeker in CASELOAD.get(who.sub, set()))
                or who.role is Role.OPERATOR
            )
            if not own:
                code = 403 if who.role is Role.SEEKER else 404
                return JSONResponse({"detail": "not yours"}, status_code=code)
            if request.method == "DELETE":
                return Response(status_code=204)
            if path.endswith(("/profile", "/counsellor")):
                return JSONResponse(PROFILE)
            if path.endswith("/stream"):
                return Response(b"event: ping\ndata: {}\n\n", media_type="text/event-stream")
            if path.endswith("/recommendations") and request.method == "GET":
                return JSONResponse([])
        if parts[0] == "trainings" and parts[-1] in ("recommendation", "dismissal"):
            return JSONResponse(training_decision(parts, who.sub))
        if parts[0] == "trainings":
            return JSONResponse(TRAINING_IMPORT if path == "trainings/import" else [])
        if parts[0] == "counsellors" and parts[1] != who.sub:
            return JSONResponse({"detail": "not yours"}, status_code=403)
        if parts[0] == "counsellors" and parts[-1] == "caseload":
            return JSONResponse({"total": 0, "page": 1, "page_size": 50, "seekers": []})
        if parts[0] == "counsellors" and parts[-1] == "stream":
            return Response(b"event: ping\ndata: {}\n\n", media_type="text/event-stream")
        if parts[0] == "offers" and "applications" in parts[1:3]:
            return offer_applications_answer(parts, request.method, who)
        if parts[0] == "offers" and len(parts) > 1 and parts[1] in OFFER_OWNERS:
            writing = request.method != "GET"
            if writing and who.role is Role.EMPLOYER and OFFER_OWNERS[parts[1]] != who.sub:
                return JSONResponse({"detail": "not your offer"}, status_code=403)
        if parts[0] == "offers":
            return JSONResponse(offers_answer(path, request.method))
        if parts[0] == "companies":
            return JSONResponse(companies_answer(path))
        return JSONResponse({"ok": True, "path": path, "by": who.sub})

    return upstream


class MemoryAccessLog:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    async def record(self, seeker_id: str, by: str, name: str | None, what: str) -> None:
        self.rows.append(
            {"seeker_id": seeker_id, "by": by, "name": name, "what": what, "at": datetime.now(UTC)}
        )

    async def of(self, seeker_id: str, skip: int, limit: int) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["seeker_id"] == seeker_id][skip : skip + limit]

    async def forget(self, seeker_id: str) -> int:
        before = len(self.rows)
        self.rows = [r for r in self.rows if r["seeker_id"] != seeker_id]
        return before - len(self.rows)


class MemorySessions:
    """The web sessions' store in memory, keyed like the real one (`gateway.web.sessions`)."""

    def __init__(self) -> None:
        self.sessions: dict[str, WebSession] = {}
        self.pending: dict[str, PendingSignIn] = {}

    async def open(self, session: WebSession) -> str:
        secret = new_secret()
        self.sessions[digest(secret)] = session
        return secret

    async def find(self, secret: str) -> WebSession | None:
        session = self.sessions.get(digest(secret))
        return session if session and session.expires_at > now() else None

    async def close(self, secret: str) -> WebSession | None:
        return self.sessions.pop(digest(secret), None)

    async def forget(self, sub: str) -> int:
        gone = [key for key, session in self.sessions.items() if session.sub == sub]
        for key in gone:
            del self.sessions[key]
        return len(gone)

    async def begin(self, browser: str, pending: PendingSignIn) -> None:
        self.pending[digest(browser, pending.state)] = pending

    async def take(self, browser: str, state: str) -> PendingSignIn | None:
        pending = self.pending.pop(digest(browser, state), None)
        return pending if pending and pending.expires_at > now() else None


def upstream_client(name: str, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=transport, base_url=f"http://{name}")


@pytest.fixture
def settings() -> Settings:
    return Settings(dev_issuer=True, upstream_retries=0)


GatewayOver = Callable[[Settings, Any], Awaitable[FastAPI]]


@pytest.fixture
async def gateway_over() -> AsyncIterator[GatewayOver]:
    """Builds a gateway app whose services are all one ASGI app, with an access log in memory."""
    made: list[Upstreams] = []

    async def build(settings: Settings, services: Any) -> FastAPI:
        app = create_app(settings)
        upstreams = Upstreams(settings)
        for pools in (upstreams.clients, upstreams.stream_clients):
            for name in list(pools):
                await pools[name].aclose()
                pools[name] = upstream_client(name, httpx.ASGITransport(app=services))
        app.state.upstreams = upstreams
        app.state.access_log = MemoryAccessLog()
        app.state.web_sessions = MemorySessions()
        made.append(upstreams)
        return app

    yield build
    for upstreams in made:
        await upstreams.close()


@pytest.fixture
async def gateway(settings: Settings, gateway_over: GatewayOver) -> FastAPI:
    app = await gateway_over(settings, fake_upstream())

    async def no_kafka(settings: object) -> dict[str, Any]:
        return {"consumer_lag": {"recommender": 0}, "dead_letter_depth": 0}

    app.state.kafka_status = no_kafka
    return app


@pytest.fixture
async def client(gateway: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(gateway, "http://gateway") as client:
        yield client


@pytest.fixture
async def browser(web: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser on this machine, over the `web` app its test module builds."""
    async with client_of(web, "http://127.0.0.1") as browser:
        yield browser


Answering = Callable[[dict[str, tuple[int, Any]]], Awaitable[list[httpx.Request]]]


@pytest.fixture
def answering(gateway: FastAPI) -> Answering:
    """Puts services that each give one answer (status, body) behind the gateway; returns the
    list of the requests they receive."""

    async def install(answers: dict[str, tuple[int, Any]]) -> list[httpx.Request]:
        seen: list[httpx.Request] = []

        def handle(request: httpx.Request) -> httpx.Response:
            seen.append(request)
            code, body = answers[request.url.host]
            return httpx.Response(code, json=body)

        clients = gateway.state.upstreams.clients
        for name in answers:
            await clients[name].aclose()
            clients[name] = upstream_client(name, httpx.MockTransport(handle))
        return seen

    return install


@pytest.fixture
def token_for(gateway: FastAPI) -> Any:
    verifier: TokenVerifier = gateway.state.verifier

    def mint(sub: str, role: str) -> dict[str, str]:
        token, _ = verifier.mint_dev_token(sub, Role(role), None)
        return {"Authorization": f"Bearer {token}"}

    return mint
