"""The seeker web app (/app) and the counsellor console (/console), rendered by the gateway."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.config import Settings, WebTheme
from gateway.web import companies, console, offers, seeker, signin, trainings
from gateway.web.pages import (
    SignInRequired,
    WebForbidden,
    design_system,
    on_forbidden,
    on_http_error,
    on_sign_in_required,
)

STATIC = Path(__file__).parent / "static"


class DesignSystemFiles(StaticFiles):
    """The DSFR's files; its fonts (Marianne) only in the state theme, where they may be used."""

    def __init__(self, directory: Path, fonts: bool) -> None:
        super().__init__(directory=directory)
        self.fonts = fonts

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not self.fonts and path.replace("\\", "/").lstrip("/").startswith("fonts/"):
            raise StarletteHTTPException(404)
        return await super().get_response(path, scope)


ROUTERS = (
    signin.router,
    seeker.router,
    console.router,
    offers.router,
    companies.router,
    trainings.app,
    trainings.console,
)


def mount(app: FastAPI, settings: Settings) -> None:
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static/web", StaticFiles(directory=STATIC), name="web-static")
    if design_system(settings):
        assert settings.web_dsfr_dir is not None
        fonts = settings.web_theme is WebTheme.STATE
        app.mount(
            "/static/dsfr", DesignSystemFiles(settings.web_dsfr_dir, fonts), name="dsfr-static"
        )
    app.add_exception_handler(SignInRequired, on_sign_in_required)
    app.add_exception_handler(WebForbidden, on_forbidden)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
