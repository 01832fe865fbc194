"""The upstream calls on a seeker's data, made alike by the seeker (/v1/me, /app) and by their
counsellor (/v1/caseload, /console): each takes the seeker's id."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, status

from gateway.access_log import AccessLog
from gateway.models import CaseloadOut, StoredProfileOut
from gateway.problems import responses
from gateway.reasons import say_match_reasons
from gateway.upstream import Upstreams
from refdata import Names
from servicekit.auth import Principal

T = TypeVar("T")
NO_PROFILE = responses(404, s404="You have no profile yet: create it with PUT /v1/me/profile.")
NOT_IN_CASELOAD = responses(404, s404="No such seeker in your caseload.")


def seeker_routes() -> APIRouter:
    """Routes on the caller's own data."""
    return APIRouter(prefix="/v1/me", tags=["seeker"])


def caseload_routes() -> APIRouter:
    """Routes on the data of a seeker of the caller's caseload."""
    return APIRouter(prefix="/v1/caseload", tags=["counsellor"])


async def caseload_of(me: Principal, services: Upstreams, page: int, page_size: int) -> CaseloadOut:
    """The seekers the counsellor follows."""
    body = await services.json(
        "profiles",
        "GET",
        f"/counsellors/{me.sub}/caseload",
        me,
        params={"page": page, "page_size": page_size},
    )
    return CaseloadOut.model_validate(body)


async def unless_missing(call: Awaitable[T], missing: T) -> T:
    """The call's answer, or `missing` where the service has nothing (a 404)."""
    try:
        return await call
    except HTTPException as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return missing


async def seen(read: Awaitable[T], seeker_id: str, what: str, me: Principal, log: AccessLog) -> T:
    """A read of a seeker's data by someone else, written in the access log the seeker reads."""
    found = await read
    await log.record(seeker_id, me.sub, me.name, what)
    return found


async def read_for_counsellor(
    of: Callable[[str, Principal, Upstreams], Awaitable[T]],
    seeker_id: str,
    what: str,
    me: Principal,
    services: Upstreams,
    log: AccessLog,
) -> T:
    """A counsellor's read of a seeker's data kept by another service: only once the profiles
    service has said the seeker is in their caseload, and written in the access log."""
    await in_caseload(seeker_id, me, services)
    return await seen(of(seeker_id, me, services), seeker_id, what, me, log)


async def stored_profile(
    services: Upstreams, me: Principal, method: str, path: str, **options: Any
) -> StoredProfileOut:
    """A call to the profiles service that answers with the seeker's stored profile."""
    body = await services.json("profiles", method, path, me, **options)
    return StoredProfileOut.model_validate(body)


async def profile_of(seeker_id: str, me: Principal, services: Upstreams) -> StoredProfileOut:
    return await stored_profile(services, me, "GET", f"/seekers/{seeker_id}/profile")


async def in_caseload(seeker_id: str, me: Principal, services: Upstreams) -> None:
    """The profiles service answers 404 to a counsellor outside the seeker's caseload."""
    await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me)


async def change_profile(
    seeker_id: str, changes: dict[str, Any], me: Principal, services: Upstreams
) -> StoredProfileOut:
    path = f"/seekers/{seeker_id}/profile"
    return await stored_profile(services, me, "PATCH", path, json=changes)


async def suggestions_of(seeker_id: str, me: Principal, services: Upstreams) -> Any:
    return await services.json("recommender", "GET", f"/seekers/{seeker_id}/recommendations", me)


async def said_suggestions_of(
    seeker_id: str, me: Principal, services: Upstreams, language: str, names: Names
) -> Any:
    """The suggestions with their reasons in plain words, in the reader's language."""
    return say_match_reasons(await suggestions_of(seeker_id, me, services), language, names)


async def applications_of(seeker_id: str, me: Principal, services: Upstreams) -> Any:
    """Spontaneous applications to companies."""
    return await services.json("companies", "GET", f"/companies/applications/of/{seeker_id}", me)


async def offer_applications_of(seeker_id: str, me: Principal, services: Upstreams) -> Any:
    """Applications to offers published on Tremplin."""
    return await services.json("offers", "GET", f"/offers/applications/of/{seeker_id}", me)
