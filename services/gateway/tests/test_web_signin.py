"""Web sign-in through the OpenID provider: the gateway's side, with a fake provider.

The real exchange (Authlib against node's oidc-provider, in Chromium) is tested end to end in
tests/e2e/test_web_signin.py; here, what the gateway does with each answer.
"""

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from joserfc.errors import JoseError

from gateway.config import Settings
from gateway.web.oidc import (
    IdentityProvider,
    ProviderUnavailableError,
    SignedIn,
    SignInRefusedError,
)
from gateway.web.sessions import PendingSignIn
from servicekit.auth import Principal, Role

ISSUER = "https://id.example"
CSRF = "test-csrf-token-0123456789"
PEOPLE = {
    "code-seeker": Principal(sub="idp-s1", role=Role.SEEKER, name="Amina"),
    "code-counsellor": Principal(sub="idp-c1", role=Role.COUNSELLOR, name="Claire"),
}


class FakeProvider:
    def __init__(self) -> None:
        self.settings = Settings(oidc_issuer=ISSUER)
        self.started = 0

    async def start(
        self, area: str, redirect_uri: str, language: str, expires_at: datetime
    ) -> tuple[str, PendingSignIn]:
        self.started += 1
        state = f"state-{self.started}"
        pending = PendingSignIn(area, state, "nonce", "verifier", redirect_uri, expires_at)
        return f"{ISSUER}/auth?state={state}&ui_locales={language}", pending

    async def finish(self, pending: PendingSignIn, code: str) -> SignedIn:
        if code not in PEOPLE:
            raise SignInRefusedError("invalid_grant")
        return SignedIn(PEOPLE[code], f"id-token-of-{PEOPLE[code].sub}")

    async def logout_url(self, id_token: str, back: str) -> str:
        return f"{ISSUER}/logout?id_token_hint={id_token}&post_logout_redirect_uri={quote(back)}"


@pytest.fixture
async def web(gateway_over: Any) -> FastAPI:
    app: FastAPI = await gateway_over(Settings(web_dsfr_dir=None), FastAPI())
    app.state.identity_provider = FakeProvider()
    return app


async def start(browser: httpx.AsyncClient, area: str = "app") -> str:
    """Follows the login page's button to the provider; returns the state it was sent."""
    page = await browser.get(f"/{area}/login")
    assert f'href="/{area}/signin"' in page.text
    started = await browser.get(f"/{area}/signin")
    assert started.status_code == 303
    assert started.headers["location"].startswith(f"{ISSUER}/auth?")
    return parse_qs(urlsplit(started.headers["location"]).query)["state"][0]


@pytest.mark.parametrize(
    ("area", "code", "home"),
    [("app", "code-seeker", "/app"), ("console", "code-counsellor", "/console")],
)
async def test_a_sign_in_opens_a_session_and_signing_out_ends_it_at_the_provider(
    web: FastAPI, browser: httpx.AsyncClient, area: str, code: str, home: str
) -> None:
    state = await start(browser, area)
    binding = browser.cookies["tremplin_signin"]

    back = await browser.get(f"/{area}/callback", params={"state": state, "code": code})

    assert (back.status_code, back.headers["location"]) == (303, home)
    cookie = next(c for c in back.headers.get_list("set-cookie") if "tremplin_session=" in c)
    assert all(flag in cookie for flag in ("HttpOnly", "SameSite=lax", "Max-Age=28800"))
    session = await web.state.web_sessions.find(browser.cookies["tremplin_session"])
    assert (session.sub, session.role, session.id_token) == (
        PEOPLE[code].sub,
        PEOPLE[code].role,
        f"id-token-of-{PEOPLE[code].sub}",
    )
    assert "tremplin_signin" not in browser.cookies, binding

    browser.cookies.set("tremplin_csrf", CSRF)
    out = await browser.post(f"/{area}/logout", data={"csrf_token": CSRF})

    assert out.status_code == 303
    logout = urlsplit(out.headers["location"])
    assert f"{logout.scheme}://{logout.netloc}{logout.path}" == f"{ISSUER}/logout"
    query = parse_qs(logout.query)
    assert query["id_token_hint"] == [f"id-token-of-{PEOPLE[code].sub}"]
    assert query["post_logout_redirect_uri"] == [f"http://127.0.0.1/{area}/login?done=signed-out"]
    assert "tremplin_session" not in browser.cookies
    assert web.state.web_sessions.sessions == {}


async def test_the_role_comes_from_the_provider_not_from_the_door(
    browser: httpx.AsyncClient,
) -> None:
    state = await start(browser, "console")

    back = await browser.get("/console/callback", params={"state": state, "code": "code-seeker"})

    assert back.headers["location"] == "/app"
    assert (await browser.get("/console")).status_code == 403


@pytest.mark.parametrize(
    "case", ["another browser", "forged state", "replayed", "other issuer", "denied", "bad code"]
)
async def test_an_answer_that_does_not_fit_the_sign_in_under_way_signs_nobody_in(
    web: FastAPI, browser: httpx.AsyncClient, case: str
) -> None:
    state = await start(browser)
    binding = browser.cookies["tremplin_signin"]
    query = {"state": state, "code": "code-seeker", "iss": ISSUER}
    if case == "another browser":
        browser.cookies.delete("tremplin_signin")
    elif case == "forged state":
        query["state"] = "state-forged"
    elif case == "replayed":
        assert (await browser.get("/app/callback", params=query)).status_code == 303
        browser.cookies.delete("tremplin_session")
        web.state.web_sessions.sessions.clear()
        browser.cookies.set("tremplin_signin", binding)
    elif case == "other issuer":
        query["iss"] = "https://evil.example"
    elif case == "denied":
        query = {"state": state, "error": "access_denied"}
    else:
        query["code"] = "code-stolen"

    back = await browser.get("/app/callback", params=query)

    assert back.status_code == 400
    assert 'role="alert"' in back.text
    assert "tremplin_session" not in back.headers.get("set-cookie", "")
    assert web.state.web_sessions.sessions == {}


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "x"},
        {"sub": "x", "role": "service"},
        {"sub": "x", "role": "admin"},
        {"role": "seeker"},
    ],
)
def test_an_account_without_a_public_role_is_refused(claims: dict[str, str]) -> None:
    provider = IdentityProvider(
        Settings(oidc_issuer=ISSUER, oidc_client_id="web", oidc_client_secret="secret")
    )

    with pytest.raises(SignInRefusedError):
        provider.principal_of(claims)


def test_production_needs_the_web_client_and_names_what_is_missing() -> None:
    with pytest.raises(ValueError, match="GATEWAY_OIDC_CLIENT_ID, GATEWAY_OIDC_CLIENT_SECRET"):
        Settings(
            mode="production",
            internal_auth={"token_secret": "a-production-secret-of-32-chars-or-more"},
            oidc_issuer=ISSUER,
            oidc_jwks_url=f"{ISSUER}/keys",
        )


async def test_an_id_token_that_does_not_verify_is_checked_again_against_fresh_metadata() -> None:
    provider = IdentityProvider(
        Settings(oidc_issuer=ISSUER, oidc_client_id="web", oidc_client_secret="secret")
    )
    seen: list[dict[str, Any]] = []

    class Client:
        def __init__(self) -> None:
            self.server_metadata = {"_loaded_at": 1.0, "jwks": {"keys": []}}

        async def parse_id_token(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
            seen.append(dict(self.server_metadata))
            if len(seen) == 1:
                raise JoseError("unsupported_algorithm")
            return {"sub": "idp-s1", "nonce": nonce}

    provider.client = Client()

    assert await provider.id_token_claims({"id_token": "x"}, "n-1") == {
        "sub": "idp-s1",
        "nonce": "n-1",
    }
    assert seen[1] == {}, "the provider's document is read again"


async def test_a_provider_that_does_not_answer_gets_a_503_page(
    web: FastAPI, browser: httpx.AsyncClient
) -> None:
    async def down(*args: Any) -> Any:
        raise ProviderUnavailableError("connection refused")

    web.state.identity_provider.start = down

    page = await browser.get("/console/signin")

    assert page.status_code == 503
    assert 'href="/console/login"' in page.text
    assert "tremplin_signin" not in page.headers.get("set-cookie", "")
