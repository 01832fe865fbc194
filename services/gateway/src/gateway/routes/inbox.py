"""The notifier's calls a seeker and a counsellor both make on their own inbox, and those on the
alerts held for a counsellor's review: for the API's routes and the pages alike."""

from __future__ import annotations

from typing import Any, Literal

from fastapi.responses import StreamingResponse

from gateway.models import HeldAlertDecision
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
        "notifier",
        "POST",
        f"/held-alerts/{alert_id}/approve",
        me,
        json=decision.model_dump(mode="json"),
    )


async def reject_alert(alert_id: str, me: Principal, services: Upstreams) -> Any:
    return await services.json("notifier", "POST", f"/held-alerts/{alert_id}/reject", me)
