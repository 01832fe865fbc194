"""Sign in and out of the web app and the console.

Through the OpenID provider (`GATEWAY_OIDC_*`): `/{area}/signin` sends the browser to the
provider with a fresh state, nonce and PKCE challenge, kept server-side under a short-lived
cookie of this browser; `/{area}/callback` checks them, exchanges the code and opens a
server-side session. Signing out closes it, then ends the provider's session too (RP-initiated
logout). With the development issuer, a form opens a session for any id, as
`POST /v1/auth/dev-token` mints a token for any id.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import timedelta

from fastapi import APIRouter, Request, status
from fastapi.responses import Response

from gateway.config import Settings
from gateway.web.i18n import translate
from gateway.web.oidc import IdentityProvider, ProviderUnavailableError, SignInRefusedError
from gateway.web.pages import (
    SESSION,
    Form,
    MaybeUser,
    first,
    home_of,
    language,
    redirect,
    render,
    secure,
    sessions_of,
)
from gateway.web.sessions import WebSession, new_secret, now
from servicekit.auth import Principal, Role

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$")
AREAS = {
    "app": (Role.SEEKER, "seeker_id", "demo-s0000001", "/app"),
    "console": (Role.COUNSELLOR, "counsellor_id", "demo-c00000", "/console"),
}
# Binds a sign-in under way to the browser that started it (the state alone would not).
SIGN_IN = "tremplin_signin"
SIGN_IN_TTL_S = 600


def settings_of(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def provider_of(request: Request) -> IdentityProvider | None:
    return getattr(request.app.state, "identity_provider", None)


def public_base(request: Request) -> str:
    return (settings_of(request).public_url or str(request.base_url)).rstrip("/")


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    # Lax, not Strict: the provider's redirect back is a cross-site navigation, and a Strict
    # cookie set at its end would not be sent on the next page. Pages change nothing on GET;
    # every POST also carries a CSRF token.
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=secure(request),
        path="/",
    )


def login_page(
    request: Request, area: str, error: str | None = None, value: str = "", refused: bool = False
) -> Response:
    _role, field, example, _ = AREAS[area]
    return render(
        request,
        "login.html",
        400 if refused else 422 if error else 200,
        area=area,
        field=field,
        example=example,
        dev=settings_of(request).dev_issuer,
        provider=provider_of(request) is not None,
        error=error,
        refused=refused,
        value=value,
        signed_out=request.query_params.get("done") == "signed-out",
    )


async def open_session(
    request: Request, principal: Principal, id_token: str | None = None
) -> Response:
    ttl = settings_of(request).web_session_ttl_s
    session = WebSession(
        sub=principal.sub,
        role=principal.role,
        name=principal.name,
        expires_at=now() + timedelta(seconds=ttl),
        id_token=id_token,
    )
    sessions = sessions_of(request)
    previous = request.cookies.get(SESSION)
    if previous:  # a new session on every sign-in, never one the browser already had
        await sessions.close(previous)
    secret = await sessions.open(session)
    response = redirect(home_of(principal))
    set_cookie(request, response, SESSION, secret, ttl)
    response.delete_cookie(SIGN_IN, path="/", httponly=True, samesite="lax")
    return response


@router.get("/")
async def root(me: MaybeUser) -> Response:
    return redirect(home_of(me))


async def dev_sign_in(request: Request, area: str, form: dict[str, list[str]]) -> Response:
    role, field, _, _ = AREAS[area]
    if not settings_of(request).dev_issuer:
        return login_page(request, area)
    sub = first(form, field)
    if not ID.match(sub):
        return login_page(request, area, translate(language(request), "id_invalid"), sub)
    return await open_session(request, Principal(sub=sub, role=role))


async def start(request: Request, area: str) -> Response:
    provider = provider_of(request)
    if provider is None:
        return login_page(request, area)
    browser = request.cookies.get(SIGN_IN) or new_secret()
    try:
        url, pending = await provider.start(
            area,
            f"{public_base(request)}/{area}/callback",
            language(request),
            now() + timedelta(seconds=SIGN_IN_TTL_S),
        )
    except ProviderUnavailableError as error:
        log.warning("identity provider unavailable", extra={"error": str(error)})
        return unavailable(request, area)
    await sessions_of(request).begin(browser, pending)
    response = redirect(url)
    set_cookie(request, response, SIGN_IN, browser, SIGN_IN_TTL_S)
    return response


async def callback(request: Request, area: str) -> Response:
    provider = provider_of(request)
    if provider is None:
        return login_page(request, area)
    query = request.query_params
    browser, state = request.cookies.get(SIGN_IN), query.get("state", "")
    pending = await sessions_of(request).take(browser, state) if browser and state else None
    if pending is None or pending.area != area:
        return login_page(request, area, refused=True)
    issuer = query.get("iss")  # RFC 9207: the answer names its provider (mix-up attacks)
    expected = provider.settings.oidc_issuer or ""
    if issuer is not None and not hmac.compare_digest(issuer.encode(), expected.encode()):
        return login_page(request, area, refused=True)
    if query.get("error") or not query.get("code"):
        return login_page(request, area, refused=True)
    try:
        signed = await provider.finish(pending, query["code"])
    except SignInRefusedError as error:
        log.warning("web sign-in refused", extra={"reason": str(error)})
        return login_page(request, area, refused=True)
    except ProviderUnavailableError as error:
        log.warning("identity provider unavailable", extra={"error": str(error)})
        return unavailable(request, area)
    return await open_session(request, signed.principal, signed.id_token)


def unavailable(request: Request, area: str) -> Response:
    lang = language(request)
    return render(
        request,
        "error.html",
        status.HTTP_503_SERVICE_UNAVAILABLE,
        title=translate(lang, "unavailable_title"),
        message=translate(lang, "login_provider_down"),
        login=f"/{area}/login",
    )


async def sign_out(request: Request, area: str) -> Response:
    secret = request.cookies.get(SESSION)
    session = await sessions_of(request).close(secret) if secret else None
    back = f"/{area}/login?done=signed-out"
    provider = provider_of(request)
    target = None
    if session is not None and session.id_token and provider is not None:
        target = await provider.logout_url(session.id_token, public_base(request) + back)
    response = redirect(target or back)
    response.delete_cookie(SESSION, path="/", httponly=True, samesite="lax")
    return response


def area_routes(area: str) -> None:
    """The sign-in pages of one area, under /{area}/."""

    @router.get(f"/{area}/login")
    async def login_form(request: Request, me: MaybeUser) -> Response:
        return login_page(request, area)

    @router.post(f"/{area}/login")
    async def login(request: Request, me: MaybeUser, form: Form) -> Response:
        return await dev_sign_in(request, area, form)

    @router.get(f"/{area}/signin")
    async def signin(request: Request, me: MaybeUser) -> Response:
        return await start(request, area)

    @router.get(f"/{area}/callback")
    async def provider_callback(request: Request, me: MaybeUser) -> Response:
        return await callback(request, area)

    @router.post(f"/{area}/logout")
    async def logout(request: Request, me: MaybeUser, form: Form) -> Response:
        return await sign_out(request, area)


for each in AREAS:
    area_routes(each)
