"""What every page shares: the signed-in person from the session cookie, CSRF, language, rendering.

The session cookie holds a random value naming a server-side session (`gateway.web.sessions`);
the person it signs in is held to the rules of `gateway.security.WEB_RULES`, as /v1 routes are to
`RULES`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway import problems
from gateway.config import Mode, Settings, WebTheme
from gateway.limits import TokenBuckets
from gateway.names import names_of
from gateway.security import PUBLIC, WEB_RULES
from gateway.web.i18n import language_of, translate
from gateway.web.sessions import SessionStore
from servicekit.auth import Principal, Role
from wording import render as say

SESSION = "tremplin_session"
CSRF = "tremplin_csrf"
LANG = "tremplin_lang"
CSRF_FIELD = "csrf_token"
FORM = "application/x-www-form-urlencoded"

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class SignInRequired(Exception):
    def __init__(self, area: str) -> None:
        self.area = area


class WebForbidden(Exception):
    def __init__(self, area: str, message: str) -> None:
        self.area = area
        self.message = message


def area_of(path: str) -> str:
    return "console" if path.startswith("/console") else "app"


def language(request: Request) -> str:
    return language_of(
        request.query_params.get("lang"),
        request.cookies.get(LANG),
        request.headers.get("accept-language"),
    )


LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def secure(request: Request) -> bool:
    """Cookies are `Secure`, but for plain HTTP on this machine in development mode."""
    settings: Settings = request.app.state.settings
    if request.url.scheme == "https" or settings.mode is not Mode.DEVELOPMENT:
        return True
    return request.url.hostname not in LOOPBACK


def sessions_of(request: Request) -> SessionStore:
    return request.app.state.web_sessions  # type: ignore[no-any-return]


def csrf_token(request: Request) -> str:
    """The page's CSRF token: the cookie's, or a new one the response will set."""
    token = request.cookies.get(CSRF) or getattr(request.state, "new_csrf", None)
    if token is None:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def design_system(settings: Settings) -> bool:
    """The DSFR folder is set and holds its stylesheet (never serve a folder that is not it)."""
    folder = settings.web_dsfr_dir
    return folder is not None and (folder / "dsfr.min.css").is_file()


def render(
    request: Request,
    template: str,
    status_code: int = status.HTTP_200_OK,
    principal: Principal | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = language(request)
    settings: Settings = request.app.state.settings
    area = area_of(request.url.path)

    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    query = dict(request.query_params)
    query["lang"] = "en" if lang == "fr" else "fr"
    values: dict[str, Any] = {
        "t": t,
        "lang": lang,
        "reason": lambda r: say(r, lang, names_of(request)),
        "number": lambda x: number_in(lang, x),
        "area": area,
        "me": principal,
        "csrf": csrf_token(request),
        "csrf_field": CSRF_FIELD,
        "state_theme": settings.web_theme is WebTheme.STATE,
        "dsfr": design_system(settings),
        "path": request.url.path,
        "switch_url": f"{request.url.path}?{urlencode(query)}",
    }
    html = templates.get_template(template).render({**values, **context})
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    remember(request, response)
    return response


def form_page(
    request: Request,
    template: str,
    errors: dict[str, str] | None,
    principal: Principal | None,
    **context: Any,
) -> HTMLResponse:
    """A page with a form: a 422 while it shows what to fix."""
    return render(
        request,
        template,
        status.HTTP_422_UNPROCESSABLE_CONTENT if errors else status.HTTP_200_OK,
        principal,
        errors=errors or {},
        **context,
    )


def remember(request: Request, response: Response) -> None:
    """Set the cookies the page relies on: the CSRF token, and the language chosen with ?lang=."""
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(
            CSRF, new_csrf, httponly=True, samesite="strict", secure=secure(request), path="/"
        )
    chosen = request.query_params.get("lang")
    if chosen in ("fr", "en"):
        response.set_cookie(
            LANG, chosen, max_age=365 * 86400, samesite="lax", secure=secure(request), path="/"
        )


def number_in(lang: str, value: float) -> str:
    """1 decimal at most, with the language's decimal mark (4,2 in French)."""
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "fr" else text


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def rate_limited(request: Request) -> None:
    """The /v1 limits, on the same buckets: per address, then per session."""
    buckets: tuple[TokenBuckets, TokenBuckets] | None = getattr(
        request.app.state, "web_buckets", None
    )
    if buckets is None:
        return
    per_token, per_address = buckets
    now = time.monotonic()
    address = request.client.host if request.client else "unknown"
    wait = per_address.take(address, now)
    session = request.cookies.get(SESSION)
    if session and not wait:
        wait = per_token.take(hashlib.sha256(b"Bearer " + session.encode()).hexdigest(), now)
    if wait:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "Too many requests: slow down.",
            headers={"Retry-After": str(max(1, round(wait + 0.5)))},
        )


def rule(request: Request) -> frozenset[Role]:
    route = request.scope.get("route")
    key = (request.method, getattr(route, "path", ""))
    if key not in WEB_RULES:
        raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"No access rule for {key}.")
    return WEB_RULES[key]


async def signed_in(request: Request) -> Principal | None:
    secret = request.cookies.get(SESSION)
    if not secret:
        return None
    session = await sessions_of(request).find(secret)
    return session.principal if session else None


async def page_user(request: Request) -> Principal:
    """The signed-in person, allowed by the page's rule; else off to the login page, or a 403."""
    allowed = rule(request)
    rate_limited(request)
    area = area_of(request.url.path)
    principal = await signed_in(request)
    if principal is None:
        raise SignInRequired(area)
    if allowed != PUBLIC and principal.role not in allowed:
        raise WebForbidden(area, "forbidden")
    return principal


async def public_page(request: Request) -> Principal | None:
    rule(request)
    rate_limited(request)
    return await signed_in(request)


async def form_of(request: Request) -> dict[str, list[str]]:
    """The posted form, after its CSRF token was checked against the cookie (double submit)."""
    settings: Settings = request.app.state.settings
    if request.headers.get("content-type", "").split(";")[0].strip() != FORM:
        raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, "Send a form.")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > settings.max_body_bytes:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "The form is too large.")
    form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    sent = (form.get(CSRF_FIELD) or [""])[0]
    kept = request.cookies.get(CSRF, "")
    if not sent or not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise WebForbidden(area_of(request.url.path), "csrf")
    return form


def first(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0].strip()


PageUser = Annotated[Principal, Depends(page_user)]
MaybeUser = Annotated[Principal | None, Depends(public_page)]
Form = Annotated[dict[str, list[str]], Depends(form_of)]


def resume_from(request: Request, last_event_id: str | None) -> str | None:
    """Where a live feed resumes: the browser's `Last-Event-ID`, else the page's `?after=<seq>`."""
    after = request.query_params.get("after", "")
    return last_event_id or (after if after.isdigit() else None)


def login_url(area: str) -> str:
    return "/console/login" if area == "console" else "/app/login"


def home_of(principal: Principal | None) -> str:
    if principal is not None and principal.role is Role.COUNSELLOR:
        return "/console"
    return "/app"


async def on_sign_in_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return redirect(login_url(error.area))


async def on_forbidden(request: Request, error: Exception) -> Response:
    assert isinstance(error, WebForbidden)
    return render(
        request,
        "error.html",
        status.HTTP_403_FORBIDDEN,
        title=translate(language(request), "forbidden_title"),
        message=translate(language(request), error.message),
        login=login_url(error.area),
    )


ERROR_PAGES = {
    404: ("not_found_title", "not_found"),
    403: ("forbidden_title", "forbidden"),
    503: ("unavailable_title", "unavailable"),
    502: ("unavailable_title", "unavailable"),
}


async def on_http_error(request: Request, error: Exception) -> Response:
    """Pages answer errors with a page; /v1 keeps its problem details."""
    assert isinstance(error, StarletteHTTPException)
    path = request.url.path
    if not (path == "/app" or path.startswith(("/app/", "/console"))):
        return await problems.on_http_error(request, error)
    lang = language(request)
    title, message = ERROR_PAGES.get(error.status_code, ("error_title", ""))
    response = render(
        request,
        "error.html",
        error.status_code,
        title=translate(lang, title),
        message=translate(lang, message) if message else str(error.detail),
        login=login_url(area_of(path)) if error.status_code == 403 else None,
    )
    for name, value in (error.headers or {}).items():
        response.headers[name] = value
    return response
