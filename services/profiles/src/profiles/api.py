"""Internal HTTP API of the profiles service (the gateway exposes it to the outside)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel, Field

from profiles.domain.profile import SeekerProfile
from profiles.store import ConcurrentUpdateError, ProfileStore
from servicekit.outbox import OutboxRelay

router = APIRouter(prefix="/seekers", tags=["profiles"])


def get_store(request: Request) -> ProfileStore:
    return request.app.state.store  # type: ignore[no-any-return]


def get_relay(request: Request) -> OutboxRelay:
    return request.app.state.relay  # type: ignore[no-any-return]


Store = Annotated[ProfileStore, Depends(get_store)]
Relay = Annotated[OutboxRelay, Depends(get_relay)]


class StoredProfile(BaseModel):
    seeker_id: str
    version: int = Field(description="Grows with every change of the matching facts.")
    profile: SeekerProfile


@router.put("/{seeker_id}/profile", responses={201: {"model": StoredProfile}})
async def put_profile(
    seeker_id: str, profile: SeekerProfile, store: Store, relay: Relay, response: Response
) -> StoredProfile:
    """Create or replace a profile; publishes `profile-updated` when the matching facts changed."""
    try:
        saved = await store.put(seeker_id, profile)
    except ConcurrentUpdateError:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "The profile changed at the same time; send it again."
        ) from None
    if saved.published:
        relay.wake()
    if saved.created:
        response.status_code = status.HTTP_201_CREATED
    return StoredProfile(seeker_id=seeker_id, version=saved.version, profile=profile)


@router.get("/{seeker_id}/profile", responses={404: {"description": "No such seeker."}})
async def get_profile(seeker_id: str, store: Store) -> StoredProfile:
    """A seeker's profile, contact data included (internal callers only)."""
    found = await store.get(seeker_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No seeker with id {seeker_id!r}.")
    profile, version = found
    return StoredProfile(seeker_id=seeker_id, version=version, profile=profile)
