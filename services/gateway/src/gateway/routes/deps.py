from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, status

from gateway.access_log import AccessLog
from gateway.problems import responses
from gateway.upstream import Upstreams


async def get_upstreams(request: Request) -> Upstreams:
    return request.app.state.upstreams  # type: ignore[no-any-return]


async def get_access_log(request: Request) -> AccessLog:
    return request.app.state.access_log  # type: ignore[no-any-return]


Services = Annotated[Upstreams, Depends(get_upstreams)]
Accesses = Annotated[AccessLog, Depends(get_access_log)]
Page = Annotated[int, Query(ge=1, le=10_000, description="Page number, from 1.")]
PageSize = Annotated[int, Query(ge=1, le=100, description="At most 100 per page.")]
Id = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$",
        description="An id: letters, digits and . _ : @ - only.",
    ),
]
LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        pattern=r"^[0-9]{1,18}$",
        description="The id of the last event received: the stream resumes after it.",
    ),
]
SSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events."}
}


def applying_route(
    router: APIRouter, path: str, *, missing: str, refused: str, used_up: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers the route a seeker applies by (201): `missing`, what is not there (404);
    `refused`, what the rules refuse (409); `used_up`, the day's quota that ran out (429)."""
    return router.post(
        path,
        status_code=status.HTTP_201_CREATED,
        responses=responses(
            404,
            409,
            429,
            s404=missing,
            s409=refused,
            s429=f"Too many requests (wait for the delay in Retry-After), or {used_up} "
            "(go on tomorrow).",
        ),
    )
