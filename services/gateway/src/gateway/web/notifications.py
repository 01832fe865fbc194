"""The notifications page and its live stream, for the seeker (/app) and the counsellor
(/console) alike: the same calls as their /v1 notification routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gateway.routes import inbox
from gateway.routes.deps import LastEventId, Services
from gateway.upstream import Upstreams
from gateway.web.pages import PageUser, render, resume_from
from servicekit.auth import Principal


def note_of(body: str) -> tuple[str, str | None]:
    """The notification's text, and the counsellor's note the notifier appended to it."""
    for prefix in ("Le mot de votre conseiller : ", "A word from your counsellor: "):
        lines = body.split("\n")
        for index, line in enumerate(lines):
            if line.startswith(prefix):
                rest = lines[:index] + lines[index + 1 :]
                return "\n".join(rest), line.removeprefix(prefix)
    return body, None


def shown(item: dict[str, Any]) -> dict[str, Any]:
    text, note = note_of(str(item.get("body", "")))
    return {**item, "text": text, "note": note}


async def notifications_page(
    request: Request,
    whose: inbox.Whose,
    me: Principal,
    services: Upstreams,
    *,
    stream: str,
    title_key: str,
    intro_key: str,
    can_mark: bool,
) -> Response:
    page = await inbox.notifications_of(whose, me, services, 1, 50)
    items = [shown(item) for item in page.get("items", [])]
    return render(
        request,
        "notifications.html",
        principal=me,
        items=items,
        after=max((int(i.get("seq", 0)) for i in items), default=0),
        stream=stream,
        title_key=title_key,
        intro_key=intro_key,
        can_mark=can_mark,
    )


async def live_notifications(
    request: Request,
    whose: inbox.Whose,
    me: Principal,
    services: Upstreams,
    last_event_id: str | None,
) -> StreamingResponse:
    resumed = resume_from(request, last_event_id)
    return await inbox.notification_stream_of(whose, me, services, resumed)


def declare_notification_pages(
    router: APIRouter, whose: inbox.Whose, *, title_key: str, intro_key: str, can_mark: bool
) -> None:
    """Declares on `router` (/app or /console) the notifications page and its live stream."""
    stream = f"{router.prefix}/notifications/stream"

    @router.get("/notifications")
    async def notifications(request: Request, me: PageUser, services: Services) -> Response:
        return await notifications_page(
            request,
            whose,
            me,
            services,
            stream=stream,
            title_key=title_key,
            intro_key=intro_key,
            can_mark=can_mark,
        )

    @router.get("/notifications/stream")
    async def notification_stream(
        request: Request, me: PageUser, services: Services, last_event_id: LastEventId = None
    ) -> StreamingResponse:
        return await live_notifications(request, whose, me, services, last_event_id)
