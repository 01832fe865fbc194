"""Sign in and out of the web app and the console.

With the development issuer, a form mints the token `POST /v1/auth/dev-token` would; otherwise the
page says sign-in goes through the identity provider (its authorization-code flow is future work).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.tokens import TokenVerifier
from gateway.web.i18n import translate
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
)
from servicekit.auth import Role

router = APIRouter(include_in_schema=False)
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$")
AREAS = {
    "app": (Role.SEEKER, "seeker_id", "demo-s0000001", "/app"),
    "console": (Role.COUNSELLOR, "counsellor_id", "demo-c00000", "/console"),
}


@router.get("/")
async def root(me: MaybeUser) -> Response:
    return redirect(home_of(me))


def login_page(request: Request, area: str, error: str | None = None, value: str = "") -> Response:
    _role, field, example, _ = AREAS[area]
    verifier: TokenVerifier = request.app.state.verifier
    return render(
        request,
        "login.html",
        422 if error else 200,
        area=area,
        field=field,
        example=example,
        dev=verifier.settings.dev_issuer,
        error=error,
        value=value,
        signed_out=request.query_params.get("done") == "signed-out",
    )


async def sign_in(request: Request, area: str, form: dict[str, list[str]]) -> Response:
    role, field, _, home = AREAS[area]
    verifier: TokenVerifier = request.app.state.verifier
    if not verifier.settings.dev_issuer:
        return login_page(request, area)
    sub = first(form, field)
    if not ID.match(sub):
        return login_page(request, area, translate(language(request), "id_invalid"), sub)
    token, ttl = verifier.mint_dev_token(sub, role, None)
    response = redirect(home)
    response.set_cookie(
        SESSION,
        token,
        max_age=ttl,
        httponly=True,
        samesite="strict",
        secure=secure(request),
        path="/",
    )
    return response


def sign_out(area: str) -> Response:
    response = redirect(f"/{area}/login?done=signed-out")
    response.delete_cookie(SESSION, path="/", httponly=True, samesite="strict")
    return response


@router.get("/app/login")
async def app_login_form(request: Request, me: MaybeUser) -> Response:
    return login_page(request, "app")


@router.post("/app/login")
async def app_login(request: Request, me: MaybeUser, form: Form) -> Response:
    return await sign_in(request, "app", form)


@router.post("/app/logout")
async def app_logout(me: MaybeUser, form: Form) -> Response:
    return sign_out("app")


@router.get("/console/login")
async def console_login_form(request: Request, me: MaybeUser) -> Response:
    return login_page(request, "console")


@router.post("/console/login")
async def console_login(request: Request, me: MaybeUser, form: Form) -> Response:
    return await sign_in(request, "console", form)


@router.post("/console/logout")
async def console_logout(me: MaybeUser, form: Form) -> Response:
    return sign_out("console")
