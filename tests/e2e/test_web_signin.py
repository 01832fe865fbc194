"""Signing in to the web app and the console through a real OpenID provider, in Chromium.

The provider is node's oidc-provider (OpenID Certified), which deploy/local/stack.py starts with
the services (deploy/local/oidc/), holding the people of deploy/local/oidc/accounts.json; the
running gateway signs people in through it: authorization code, PKCE S256, state and nonce, a
server-side session, the role from the provider's claims, and logout at the provider. Every page
shown, the provider's included, passes axe-core.
"""

import json
import os
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Page, Request, expect
from web_browser import GATEWAY, REPO, Audit, NewContext

pytestmark = pytest.mark.e2e

PROVIDER = f"http://127.0.0.1:{os.environ.get('OIDC_PROVIDER_PORT', '8010')}"
ACCOUNTS = json.loads((REPO / "deploy" / "local" / "oidc" / "accounts.json").read_text())
AREAS = {"seeker": ("app", "console"), "counsellor": ("console", "app")}


def account(role: str) -> dict[str, str]:
    return next(a for a in ACCOUNTS["accounts"] if a["role"] == role)


@pytest.fixture(scope="session")
async def provider() -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            found = await client.get(f"{PROVIDER}/.well-known/openid-configuration")
        except httpx.ConnectError:
            pytest.fail(
                f"no OpenID provider at {PROVIDER}: `make test` starts it with the services "
                "(python3 deploy/local/stack.py up)",
                pytrace=False,
            )
    assert found.status_code == 200, found.text
    metadata: dict[str, Any] = found.json()
    return metadata


async def go_to_the_provider(page: Page, audit: Audit, area: str) -> list[str]:
    """From the area's login page to the provider's; returns the authorization requests sent."""
    asked: list[str] = []

    def record(request: Request) -> None:
        if request.url.startswith(f"{PROVIDER}/auth"):
            asked.append(request.url)

    page.on("request", record)
    await page.goto(f"/{area}/login")
    await audit.check(page)
    async with page.expect_navigation(url=re.compile(f"^{re.escape(PROVIDER)}/interaction/")):
        await page.locator(f'a[href="/{area}/signin"]').click()
    await audit.check(page)
    return asked


@pytest.mark.parametrize("role", ["seeker", "counsellor"])
async def test_a_person_signs_in_through_the_provider_and_out_again(
    provider: dict[str, Any], new_context: NewContext, audit: Audit, role: str
) -> None:
    area, other = AREAS[role]
    person = account(role)
    context = await new_context("mobile" if area == "app" else "desktop")
    page = await context.new_page()

    # A wrong password: the provider says so, and nobody is signed in.
    asked = await go_to_the_provider(page, audit, area)
    await page.get_by_label("Login").fill(person["login"])
    await page.get_by_label("Password").fill("not-the-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_contain_text("wrong password")
    await audit.check(page)

    # The right one: back at the gateway, in this person's area.
    await page.get_by_label("Password").fill(person["password"])
    async with page.expect_navigation(url=re.compile(f"^{re.escape(GATEWAY)}/{area}")):
        await page.get_by_role("button", name="Sign in").click()
    await audit.check(page)
    assert urlsplit(page.url).path != f"/{area}/login", "still on the login page"

    request = parse_qs(urlsplit(asked[0]).query)
    assert request["response_type"] == ["code"]
    assert request["code_challenge_method"] == ["S256"]
    assert len(request["code_challenge"][0]) == 43  # a SHA-256, base64url, never the verifier
    assert "code_verifier" not in request
    assert request["state"][0]
    assert request["nonce"][0]
    assert request["client_id"] == [ACCOUNTS["clients"][0]["client_id"]]

    cookies = {c["name"]: c for c in await context.cookies(GATEWAY)}
    session = cookies["tremplin_session"]
    assert session["httpOnly"]
    assert session["sameSite"] == "Lax"
    assert not session["secure"], "Secure is relaxed for plain HTTP on 127.0.0.1 in development"
    assert session["value"].count(".") == 0, "an opaque id of a server-side session, no token"
    assert "tremplin_signin" not in cookies, "the sign-in's binding is used once"

    # The role is the provider's: the other area is closed to this person.
    refused = await page.goto(f"/{other}")
    assert refused is not None
    assert refused.status == 403
    await audit.check(page)
    await page.goto(f"/{area}")
    await audit.check(page)

    # Signing out ends the gateway's session, then the provider's (RP-initiated logout).
    async with page.expect_navigation(url=re.compile(f"^{re.escape(PROVIDER)}/")):
        await page.locator(f'form[action="/{area}/logout"] button').click()
    await audit.check(page)
    async with page.expect_navigation(url=re.compile(f"^{re.escape(GATEWAY)}/{area}/login")):
        await page.get_by_role("button", name="Yes, sign me out").click()
    await audit.check(page)
    await expect(page.locator(".fr-alert--success")).to_be_visible()
    assert "tremplin_session" not in {c["name"] for c in await context.cookies(GATEWAY)}

    away = await page.goto(f"/{area}")
    assert away is not None
    assert urlsplit(page.url).path == f"/{area}/login"
    await audit.check(page)
    # The provider asks for the password again: its session ended too.
    await go_to_the_provider(page, audit, area)
    await expect(page.get_by_label("Password")).to_be_visible()
