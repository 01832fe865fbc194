"""A seeker's own data: profile, suggestions, notifications, preferences, who looked at the file."""

from typing import Any

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse

from gateway.language import ReaderLanguage
from gateway.models import (
    AccessEntry,
    FeedbackIn,
    MyProfileIn,
    MyProfilePatch,
    SeekerPreferencesIn,
    StoredProfileOut,
    whole,
)
from gateway.names import NamesOf
from gateway.problems import responses
from gateway.reasons import say_match_reasons
from gateway.routes.deps import SSE_RESPONSES, Accesses, Id, LastEventId, Page, PageSize, Services
from gateway.security import Caller

router = APIRouter(prefix="/v1/me", tags=["seeker"])


NO_PROFILE = responses(404, s404="You have no profile yet: create it with PUT /v1/me/profile.")
CHANGED = responses(
    404,
    409,
    s404="You have no profile yet: create it with PUT /v1/me/profile.",
    s409="Your profile changed at the same time: read it and retry.",
)


@router.get("/profile", responses=NO_PROFILE)
async def get_my_profile(me: Caller, services: Services) -> StoredProfileOut:
    """Your profile."""
    body = await services.json("profiles", "GET", f"/seekers/{me.sub}/profile", me)
    return StoredProfileOut.model_validate(body)


@router.put(
    "/profile",
    responses={
        201: {"model": StoredProfileOut, "description": "Created."},
        **responses(409, s409="Your profile changed at the same time: read it and retry."),
    },
)
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


@router.patch("/profile", responses=CHANGED)
async def patch_my_profile(
    patch: MyProfilePatch,  # type: ignore[valid-type]
    me: Caller,
    services: Services,
) -> StoredProfileOut:
    """Change some fields of your profile: each one given replaces its value whole."""
    body = await services.json(
        "profiles", "PATCH", f"/seekers/{me.sub}/profile", me, json=whole(patch)
    )
    return StoredProfileOut.model_validate(body)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, responses=NO_PROFILE)
async def erase_me(me: Caller, services: Services, accesses: Accesses) -> None:
    """Erase your account: your data is removed from every part of the platform."""
    await services.json("profiles", "DELETE", f"/seekers/{me.sub}", me)
    await accesses.forget(me.sub)


@router.get("/recommendations", responses=NO_PROFILE)
async def my_recommendations(
    me: Caller, services: Services, language: ReaderLanguage, names: NamesOf
) -> Any:
    """Offers that suit you, best first, each with its reasons: a code, its figures and its
    `text` in plain words, in your language (Accept-Language: English or French)."""
    found = await services.json("recommender", "GET", f"/seekers/{me.sub}/recommendations", me)
    return say_match_reasons(found, language, names)


@router.post(
    "/recommendations/{offer_id}/feedback",
    status_code=status.HTTP_201_CREATED,
    responses=responses(404, s404="This offer was not suggested to you."),
)
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


@router.post(
    "/notifications/{notification_id}/read",
    responses=responses(404, s404="No such notification."),
)
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


@router.put("/preferences", responses=responses(404, s404="Your account was erased."))
async def set_my_preferences(
    preferences: SeekerPreferencesIn, me: Caller, services: Services
) -> Any:
    """Change how and when you want to be told."""
    return await services.json(
        "notifier",
        "PUT",
        f"/seekers/{me.sub}/preferences",
        me,
        json=preferences.model_dump(mode="json", exclude_unset=True),
    )


@router.get("/access-log")
async def my_access_log(
    me: Caller, accesses: Accesses, page: Page = 1, page_size: PageSize = 50
) -> list[AccessEntry]:
    """Who looked at your file, and when."""
    entries = await accesses.of(me.sub, (page - 1) * page_size, page_size)
    return [AccessEntry.model_validate(entry) for entry in entries]
