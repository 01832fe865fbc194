"""What the services' internal routes share: dependencies reading what the composition root put
on `app.state`, the tables of documented responses, and the HTTP answers to a refusal or a bad
value."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status

from servicekit.auth import Principal, Role
from servicekit.kafka_gate import kafka_required
from servicekit.refusal import Refused

Responses = dict[int | str, dict[str, Any]]
Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def is_staff(caller: Principal) -> bool:
    return caller.role in (Role.OPERATOR, Role.SERVICE)


def described(table: dict[int, str]) -> Responses:
    """OpenAPI's `responses` for a route: each status with its description."""
    return {code: {"description": text} for code, text in table.items()}


def from_state(name: str) -> Callable[[Request], Any]:
    """A dependency giving `app.state.<name>`."""

    def read(request: Request) -> Any:
        return getattr(request.app.state, name)

    read.__name__ = f"get_{name}"
    return read


def relay_from_state(name: str = "relay") -> Callable[[Request], Any]:
    """A dependency giving the outbox relay `app.state.<name>`, for writes that publish events:
    only while Kafka answers (else 503)."""

    def read(request: Request) -> Any:
        kafka_required(request)
        return getattr(request.app.state, name)

    read.__name__ = f"get_{name}"
    return read


def text_body(media_types: Iterable[str], description: str) -> dict[str, Any]:
    """OpenAPI's `openapi_extra` for a route that reads its body itself: a required document in
    one of these media types."""
    return {
        "requestBody": {
            "required": True,
            "content": {media: {"schema": {"type": "string"}} for media in media_types},
            "description": description,
        }
    }


def document_import_route(
    router: APIRouter, media_types: Iterable[str], description: str, answers: dict[int, str]
) -> Decorator:
    """Registers `POST /import` for a route that reads its body itself, a document in one of
    `media_types`; `answers`, what each refusal's status says."""
    return router.post(
        "/import", openapi_extra=text_body(media_types, description), responses=described(answers)
    )


@contextmanager
def refusals_answered() -> Iterator[None]:
    """A refusal from the rules becomes the HTTP answer it names."""
    try:
        yield
    except Refused as refused:
        raise HTTPException(refused.status, refused.detail) from None


def unprocessable(where: str, field: str | None, reason: str) -> HTTPException:
    """A 422 shaped like FastAPI's own, naming the field to fix (None: the whole `where`)."""
    path = [] if field is None else field.split(".")
    detail = [{"loc": [where, *path], "msg": reason, "type": "value_error"}]
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
