"""A seeker's own data: profile, suggestions, notifications, preferences, who looked at the file."""

from typing import Any

from fastapi import Response, status

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
from gateway.routes import inbox
from gateway.routes.deps import Accesses, Id, Page, PageSize, Services
from gateway.routes.seeker_data import (
    NO_PROFILE,
    change_profile,
    profile_of,
    said_suggestions_of,
    seeker_routes,
)
from gateway.security import Caller

router = seeker_routes()


CONFLICT = responses(409, s409="Your profile changed at the same time: read it and retry.")
CHANGED = {**NO_PROFILE, **CONFLICT}


@router.get("/profile", responses=NO_PROFILE)
async def get_my_profile(me: Caller, services: Services) -> StoredProfileOut:
    """Your profile."""
    return await profile_of(me.sub, me, services)


@router.put(
    "/profile",
    responses={
        201: {"model": StoredProfileOut, "description": "Created."},
        **CONFLICT,
    },
)
async def put_my_profile(
    profile: MyProfileIn, me: Caller, services: Services, response: Response
) -> StoredProfileOut:
    """Create or replace your profile."""
    body = await services.relayed(
        "profiles", "PUT", f"/seekers/{me.sub}/profile", me, response, json=profile
    )
    return StoredProfileOut.model_validate(body)


@router.patch("/profile", responses=CHANGED)
async def patch_my_profile(
    patch: MyProfilePatch,  # type: ignore[valid-type]
    me: Caller,
    services: Services,
) -> StoredProfileOut:
    """Change some fields of your profile: each one given replaces its value whole."""
    return await change_profile(me.sub, whole(patch), me, services)


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
    return await said_suggestions_of(me.sub, me, services, language, names)


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
        json=feedback,
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


inbox.declare_inbox_routes(
    router,
    inbox.InboxRoutes(
        whose="seekers",
        preferences_in=SeekerPreferencesIn,
        notifications="Your notifications, newest first.",
        stream=(
            "Your notifications as they arrive (Server-Sent Events; resumes after Last-Event-ID)."
        ),
        preferences="How and when you want to be told.",
        set_preferences="Change how and when you want to be told.",
        set_preferences_responses=responses(404, s404="Your account was erased."),
    ),
)


@router.get("/access-log")
async def my_access_log(
    me: Caller, accesses: Accesses, page: Page = 1, page_size: PageSize = 50
) -> list[AccessEntry]:
    """Who looked at your file, and when."""
    entries = await accesses.of(me.sub, (page - 1) * page_size, page_size)
    return [AccessEntry.model_validate(entry) for entry in entries]
