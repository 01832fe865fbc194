"""Every error of the public API in one shape: RFC 9457 problem details (problem+json).

A problem names the fields to fix (`errors`, each with a JSON pointer into the request), and every
status an operation can answer is declared in its OpenAPI entry: `declare` reads the route's
dependencies (authentication, a body, parameters, the services behind it) so that no route can
forget one. A service behind the gateway answering a status the operation does not declare is a
bug there: the client gets a 502, never an undocumented status.
"""

from __future__ import annotations

import http
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

from fastapi import APIRouter, FastAPI, HTTPException, Request, status
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
REF = "#/components/schemas/Problem"


class FieldProblem(BaseModel):
    location: str = Field(description="Where the field is: body, query, path or header.")
    field: str = Field(description="The field, dotted (`occupations.0.rome_code`); empty: all.")
    pointer: str = Field(description="JSON pointer to the field in its location (RFC 6901).")
    message: str = Field(description="What is wrong with it, and what to send instead.")


class Problem(BaseModel):
    """An error (RFC 9457): `detail` says what happened, `errors` which fields to fix."""

    type: str = Field(default="about:blank", description="Always about:blank: see `status`.")
    title: str = Field(description="The HTTP status phrase.", examples=["Unprocessable Content"])
    status: int = Field(ge=400, le=599, description="The HTTP status, repeated.")
    detail: str = Field(description="What happened, for the person who can fix it.")
    instance: str = Field(description="The path of the request.")
    errors: list[FieldProblem] = Field(
        default_factory=list, description="The fields to fix, each with what is wrong (422)."
    )


class UpstreamError(HTTPException):
    """A 4xx a service behind the gateway answered, relayed with its message."""


DESCRIPTIONS: dict[int, str] = {
    400: "The body could not be read as JSON.",
    401: "No access token, or one that is expired, malformed or not trusted: sign in again.",
    403: "Your role may not do this, or the data is not yours (nor in your caseload).",
    404: "Not found, or not yours to see.",
    409: "Conflicts with the current state (closed, changed meanwhile, already there).",
    413: "The request body is too large (see the limits in the description).",
    415: "The body is not of a media type this operation reads (see its request body).",
    422: "The request is invalid: `errors` lists each field to fix.",
    429: "Too many requests: wait for the delay in Retry-After.",
    502: "A service behind the gateway failed to answer properly.",
    503: "A service behind the gateway is unavailable: retry after the delay in Retry-After.",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    503: {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
}


def responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses of these error statuses; `descriptions` (`s404="..."`) say more."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        entry: dict[str, Any] = {
            "description": descriptions.get(f"s{code}", DESCRIPTIONS[code]),
            "content": {MEDIA_TYPE: {"schema": {"$ref": REF}}},
        }
        if code in HEADERS:
            entry["headers"] = HEADERS[code]
        out[code] = entry
    return out


def problem(
    code: int,
    detail: str,
    instance: str,
    errors: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=http.HTTPStatus(code).phrase,
        status=code,
        detail=detail,
        instance=instance,
        errors=list(errors),
    )
    return JSONResponse(body.model_dump(mode="json"), code, headers=headers, media_type=MEDIA_TYPE)


def problem_bytes(code: int, detail: str, instance: str) -> bytes:
    """The body of a problem, for middleware that answers without the application."""
    body = Problem(
        title=http.HTTPStatus(code).phrase, status=code, detail=detail, instance=instance
    )
    return body.model_dump_json().encode()


def field_problems(errors: Iterable[Any]) -> list[FieldProblem]:
    """FastAPI's (and the services') `[{loc, msg}]` as problems; loc starts with the location."""
    out = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        loc = [str(part) for part in error.get("loc") or ()]
        location = loc[0] if loc and loc[0] in ("body", "query", "path", "header") else "body"
        path = loc[1:] if loc and loc[0] == location else loc
        path = [part for part in path if part]
        pointer = "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)
        message = str(error.get("msg", "invalid"))
        if error.get("type") == "extra_forbidden":
            message = "unknown field: remove it"
        out.append(
            FieldProblem(
                location=location,
                field=".".join(path),
                pointer=pointer if path else "",
                message=message,
            )
        )
    return out


def summary(errors: Sequence[FieldProblem]) -> str:
    if not errors:
        return "The request is invalid."
    named = "; ".join(f"{e.field or e.location}: {e.message}" for e in errors[:3])
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"Fix these fields: {named}{more}."


async def on_validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = field_problems(jsonable_encoder(error.errors()))
    return problem(422, summary(errors), request.url.path, errors)


def declared(request: Request) -> set[int] | None:
    known = getattr(request.scope.get("route"), "responses", None)
    if not isinstance(known, dict):
        return None
    return {int(code) for code in known if str(code).isdigit()}


def allowed_methods(request: Request) -> str | None:
    """Every method the document lists for the request's path (for a 405's `Allow`)."""
    paths = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        pattern = re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            return ", ".join(sorted(method.upper() for method in operations))
    return None


async def on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    code, detail = error.status_code, cast(Any, error.detail)
    headers = dict(error.headers) if error.headers else None
    if code == status.HTTP_405_METHOD_NOT_ALLOWED and (methods := allowed_methods(request)):
        headers = {**(headers or {}), "Allow": methods}
    allowed = declared(request)
    if isinstance(error, UpstreamError) and allowed is not None and code not in allowed:
        log.error(
            "a service answered a status the operation does not declare",
            extra={"status": code, "route": getattr(request.scope.get("route"), "path", "")},
        )
        code, detail = status.HTTP_502_BAD_GATEWAY, "A service answered unexpectedly; we are on it."
    if not isinstance(detail, str):
        errors = field_problems(detail if isinstance(detail, list) else [])
        return problem(code, summary(errors), request.url.path, errors, headers)
    return problem(code, detail, request.url.path, (), headers)


async def on_unexpected(request: Request, error: Exception) -> Response:
    log.error("unexpected error", exc_info=error)
    return problem(500, "Something failed on our side; we are on it.", request.url.path)


def _calls(dependant: Dependant) -> Iterable[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def declare(router: APIRouter) -> APIRouter:
    """Declare on every operation of the router the errors it can answer, from its dependencies.

    Called before the router is included: the application's routes are built from these.
    """
    from gateway.routes.deps import get_upstreams
    from gateway.security import authorised

    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        calls = set(_calls(route.dependant))
        codes = {429}
        if authorised in calls:
            codes |= {401, 403}
        if route.body_field is not None:
            codes |= {400, 413, 422}
        if route.dependant.path_params or route.dependant.query_params:
            codes.add(422)
        if route.dependant.header_params:
            codes.add(422)
        if get_upstreams in calls:
            codes |= {502, 503}
        # Routes may share one dict of responses (a module's constant): each gets its own copy,
        # so that what one route adds is not declared for the others.
        route.responses = dict(route.responses)
        for code, entry in responses(*sorted(codes)).items():
            route.responses.setdefault(code, entry)
    return router


def install(app: FastAPI) -> None:
    """Problem details for every error, and the Problem schema in the OpenAPI document."""
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(Exception, on_unexpected)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = build()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in (Problem, FieldProblem):
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schema.pop("$defs", None)
                schemas[model.__name__] = schema
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
