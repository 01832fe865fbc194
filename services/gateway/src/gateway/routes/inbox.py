"""The notifier's calls a seeker and a counsellor both make on their own inbox, and those on the
alerts held for a counsellor's review: for the API's routes and the pages alike."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from gateway.models import HeldAlertDecision
from gateway.routes.deps import SSE_RESPONSES, LastEventId, Page, PageSize, Services
from gateway.security import Caller
from gateway.upstream import Upstreams
from servicekit.auth import Principal

Whose = Literal["seekers", "counsellors"]


async def notifications_of(
    whose: Whose, me: Principal, services: Upstreams, page: int, page_size: int
) -> Any:
    return await services.json(
        "notifier",
        "GET",
        f"/{whose}/{me.sub}/notifications",
        me,
        params={"page": page, "page_size": page_size},
    )


async def notification_stream_of(
    whose: Whose, me: Principal, services: Upstreams, last_event_id: str | None
) -> StreamingResponse:
    """Resumes after `last_event_id`."""
    return await services.event_stream(
        "notifier", f"/{whose}/{me.sub}/notifications/stream", me, last_event_id
    )


async def preferences_of(whose: Whose, me: Principal, services: Upstreams) -> Any:
    return await services.json("notifier", "GET", f"/{whose}/{me.sub}/preferences", me)


async def set_preferences_of(
    whose: Whose, values: dict[str, Any], me: Principal, services: Upstreams
) -> Any:
    return await services.json("notifier", "PUT", f"/{whose}/{me.sub}/preferences", me, json=values)


async def held_alerts_of(me: Principal, services: Upstreams, **params: Any) -> Any:
    """The alerts waiting for the counsellor's review."""
    return await services.json(
        "notifier", "GET", f"/counsellors/{me.sub}/held-alerts", me, params=params
    )


async def approve_alert(
    alert_id: str, decision: HeldAlertDecision, me: Principal, services: Upstreams
) -> Any:
    return await services.json(
        "notifier", "POST", f"/held-alerts/{alert_id}/approve", me, json=decision
    )


async def reject_alert(alert_id: str, me: Principal, services: Upstreams) -> Any:
    return await services.json("notifier", "POST", f"/held-alerts/{alert_id}/reject", me)


@dataclass(frozen=True)
class InboxRoutes:
    """One audience's inbox routes: how its API names them in the OpenAPI document."""

    whose: Whose
    preferences_in: type[BaseModel]
    notifications: str
    stream: str
    preferences: str
    set_preferences: str
    set_preferences_responses: dict[int | str, dict[str, Any]] = field(default_factory=dict)


def declare_inbox_routes(router: APIRouter, routes: InboxRoutes) -> None:
    """Declares on `router` the audience's notifications, their stream and its preferences."""
    whose, preferences_in = routes.whose, routes.preferences_in

    async def my_notifications(
        me: Caller, services: Services, page: Page = 1, page_size: PageSize = 20
    ) -> Any:
        return await notifications_of(whose, me, services, page, page_size)

    async def my_notification_stream(
        me: Caller,
        services: Services,
        last_event_id: LastEventId = None,
    ) -> StreamingResponse:
        return await notification_stream_of(whose, me, services, last_event_id)

    async def my_preferences(me: Caller, services: Services) -> Any:
        return await preferences_of(whose, me, services)

    async def set_my_preferences(
        preferences: preferences_in,  # type: ignore[valid-type]
        me: Caller,
        services: Services,
    ) -> Any:
        given: BaseModel = preferences
        values = given.model_dump(mode="json", exclude_unset=True)
        return await set_preferences_of(whose, values, me, services)

    def said(endpoint: Callable[..., Any], doc: str) -> Callable[..., Any]:
        endpoint.__doc__ = doc
        return endpoint

    router.get("/notifications")(said(my_notifications, routes.notifications))
    router.get("/notifications/stream", response_class=StreamingResponse, responses=SSE_RESPONSES)(
        said(my_notification_stream, routes.stream)
    )
    router.get("/preferences")(said(my_preferences, routes.preferences))
    router.put("/preferences", responses=routes.set_preferences_responses)(
        said(set_my_preferences, routes.set_preferences)
    )
