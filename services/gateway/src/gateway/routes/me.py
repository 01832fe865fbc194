"""A seeker's own data: profile, suggestions, notifications, preferences, who looked at the file."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Response, status
from fastapi.responses import StreamingResponse

from gateway.models import (
    SEEKER_WRITABLE,
    AccessEntry,
    FeedbackIn,
    MyProfileIn,
    StoredProfileOut,
)
from gateway.routes.deps import SSE_RESPONSES, Accesses, Id, LastEventId, Page, PageSize, Services
from gateway.security import Caller

router = APIRouter(prefix="/v1/me", tags=["seeker"])


@router.get("/profile")
async def get_my_profile(me: Caller, services: Services) -> StoredProfileOut:
    """Your profile."""
    body = await services.json("profiles", "GET", f"/seekers/{me.sub}/profile", me)
    return StoredProfileOut.model_validate(body)


@router.put("/profile", responses={201: {"model": StoredProfileOut}})
async def put_my_profile(
    profile: MyProfileIn, me: Caller, services: Services, response: Response
) -> StoredProfileOut:
    """Create or replace your profile."""
    upstream = await services.call(
        "profiles", "PUT", f"/seekers/{me.sub}/profile", me, json=profile.model_dump(mode="json")
    )
    body = services.checked("profiles", upstream)
    response.status_code = upstream.status_code
    return StoredProfileOut.model_validate(body)


@router.patch("/profile")
async def patch_my_profile(
    patch: Annotated[
        dict[str, Any],
        Body(
            description="JSON merge patch of the fields you may change.",
            examples=[{"radius_km": 25}],
        ),
    ],
    me: Caller,
    services: Services,
) -> StoredProfileOut:
    """Change some fields of your profile."""
    refused = sorted(set(patch) - SEEKER_WRITABLE)
    if refused:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            [
                {"loc": ["body", name], "msg": "you cannot change this field", "type": "forbidden"}
                for name in refused
            ],
        )
    body = await services.json("profiles", "PATCH", f"/seekers/{me.sub}/profile", me, json=patch)
    return StoredProfileOut.model_validate(body)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT)
async def erase_me(me: Caller, services: Services, accesses: Accesses) -> None:
    """Erase your account: your data is removed from every part of the platform."""
    await services.json("profiles", "DELETE", f"/seekers/{me.sub}", me)
    await accesses.forget(me.sub)


@router.get("/recommendations")
async def my_recommendations(me: Caller, services: Services) -> Response:
    """Offers that suit you, best first, each with its reasons in plain words."""
    return await services.relayed("recommender", f"/seekers/{me.sub}/recommendations", me)


@router.post("/recommendations/{offer_id}/feedback", status_code=status.HTTP_201_CREATED)
async def not_for_me(offer_id: Id, feedback: FeedbackIn, me: Caller, services: Services) -> Any:
    """Say an offer is not for you, and why: your suggestions change, your counsellor sees it."""
    return await services.json(
        "recommender",
        "POST",
        f"/seekers/{me.sub}/recommendations/{offer_id}/feedback",
        me,
        json=feedback.model_dump(mode="json"),
    )


@router.get("/notifications")
async def my_notifications(
    me: Caller, services: Services, page: Page = 1, page_size: PageSize = 20
) -> Any:
    """Your notifications, newest first."""
    return await services.json(
        "notifier",
        "GET",
        f"/seekers/{me.sub}/notifications",
        me,
        params={"page": page, "page_size": page_size},
    )


@router.post("/notifications/{notification_id}/read")
async def read_notification(notification_id: Id, me: Caller, services: Services) -> Any:
    """Mark a notification as read."""
    return await services.json(
        "notifier", "POST", f"/seekers/{me.sub}/notifications/{notification_id}/read", me
    )


@router.get(
    "/notifications/stream",
    response_class=StreamingResponse,
    responses=SSE_RESPONSES,
)
async def my_notification_stream(
    me: Caller,
    services: Services,
    last_event_id: LastEventId = None,
) -> StreamingResponse:
    """Your notifications as they arrive (Server-Sent Events; resumes after Last-Event-ID)."""
    return await services.event_stream(
        "notifier", f"/seekers/{me.sub}/notifications/stream", me, last_event_id
    )


@router.get("/preferences")
async def my_preferences(me: Caller, services: Services) -> Any:
    """How and when you want to be told."""
    return await services.json("notifier", "GET", f"/seekers/{me.sub}/preferences", me)


@router.put("/preferences")
async def set_my_preferences(
    preferences: Annotated[dict[str, Any], Body(description="Channels, frequency, quiet hours.")],
    me: Caller,
    services: Services,
) -> Any:
    """Change how and when you want to be told."""
    return await services.json(
        "notifier", "PUT", f"/seekers/{me.sub}/preferences", me, json=preferences
    )


@router.get("/access-log")
async def my_access_log(
    me: Caller, accesses: Accesses, page: Page = 1, page_size: PageSize = 50
) -> list[AccessEntry]:
    """Who looked at your file, and when."""
    entries = await accesses.of(me.sub, (page - 1) * page_size, page_size)
    return [AccessEntry.model_validate(entry) for entry in entries]
