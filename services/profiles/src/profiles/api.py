"""Internal HTTP API of the profiles service; the gateway exposes it to the outside.

Every call carries an internal token naming the caller (servicekit.auth); the rules below apply
again whatever the gateway already checked: a seeker reaches only their own profile, a counsellor
only their caseload, the notifier only contact channels, an operator everything.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from profiles.domain.profile import (
    COUNSELLOR_FIELDS,
    Language,
    SeekerProfile,
    keep_counsellor_fields,
    merge_patch,
)
from profiles.domain.validation import ProfileIn, check_profile
from profiles.store import (
    Assignment,
    ProfileStore,
    Stored,
    VersionMismatchError,
)
from refdata import Referential
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.data import ConcurrentUpdateError
from servicekit.outbox import OutboxRelay
from servicekit.route_support import from_state, relay_from_state

router = APIRouter(tags=["profiles"])


Store = Annotated[ProfileStore, Depends(from_state("store"))]
Relay = Annotated[OutboxRelay, Depends(relay_from_state())]
Reference = Annotated[Referential, Depends(from_state("referential"))]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such seeker, or not in your caseload."}
}


class StoredProfile(BaseModel):
    seeker_id: str
    version: int = Field(description="Grows with every change of the matching facts.")
    updated_at: datetime
    profile: SeekerProfile


class Channels(BaseModel):
    email: str | None
    phone: str | None
    push_token: str | None
    language: Language
    time_zone: str
    no_smartphone: bool
    counsellor_id: str | None


class ChannelsQuery(BaseModel):
    model_config = {"extra": "forbid"}

    seeker_ids: list[str] = Field(
        min_length=1, max_length=500, description="The seekers to reach (at most 500 at once)."
    )


class ChannelsFound(BaseModel):
    channels: dict[str, Channels] = Field(
        description="How to reach each seeker found; unknown and erased seekers are left out."
    )


class CounsellorChange(BaseModel):
    counsellor_id: str | None = Field(description="The new counsellor, or null to unassign.")
    reason: str = Field(min_length=3, max_length=500, description="Why, for the seeker's file.")


class AssignmentOut(BaseModel):
    counsellor_id: str | None
    previous: str | None
    reason: str
    by: str
    at: datetime


class CaseloadEntry(BaseModel):
    seeker_id: str
    first_name: str
    last_name: str
    occupations: list[str] = Field(description="ROME codes, by priority.")
    commune_code: str
    needs_support: bool
    no_smartphone: bool
    review_before_send: bool
    version: int
    updated_at: datetime


class CaseloadPage(BaseModel):
    counsellor_id: str
    total: int
    page: int
    page_size: int
    seekers: list[CaseloadEntry]


def _out_of_reach(seeker_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No seeker {seeker_id!r} in your reach.")


def _is_own(caller: Principal, seeker_id: str) -> bool:
    return caller.role is Role.SEEKER and caller.sub == seeker_id


def _in_caseload(caller: Principal, stored: Stored | None) -> bool:
    return (
        caller.role is Role.COUNSELLOR
        and stored is not None
        and stored.profile.counsellor_id == caller.sub
    )


async def _readable(store: ProfileStore, caller: Principal, seeker_id: str) -> Stored:
    if caller.role is Role.SEEKER and caller.sub != seeker_id:
        raise forbid("A seeker can only see their own profile.")
    if caller.role in (Role.EMPLOYER, Role.SERVICE):
        raise forbid("Profiles are for their seeker, their counsellor and operators.")
    stored = await store.get(seeker_id)
    if stored is None or (caller.role is Role.COUNSELLOR and not _in_caseload(caller, stored)):
        raise _out_of_reach(seeker_id)
    return stored


def _validated(given: ProfileIn, referential: Referential) -> SeekerProfile:
    profile, problems = check_profile(given, referential)
    if profile is None:
        raise RequestValidationError(
            [
                {"loc": ("body", *problem.loc), "msg": problem.msg, "type": "value_error"}
                for problem in problems
            ]
        )
    return profile


async def _save(
    store: ProfileStore,
    relay: Relay,
    seeker_id: str,
    profile: SeekerProfile,
    expected_version: int | None = None,
    assignment: Assignment | None = None,
) -> tuple[int, bool]:
    try:
        saved = await store.put(seeker_id, profile, expected_version, assignment)
    except (ConcurrentUpdateError, VersionMismatchError):
        raise HTTPException(
            status.HTTP_409_CONFLICT, "The profile changed at the same time: read it and retry."
        ) from None
    if saved.published:
        relay.wake([seeker_id])
    return saved.version, saved.created


@router.put(
    "/seekers/{seeker_id}/profile",
    responses={201: {"model": StoredProfile}, **NOT_FOUND},
)
async def put_profile(
    seeker_id: str,
    given: ProfileIn,
    caller: Caller,
    store: Store,
    relay: Relay,
    referential: Reference,
    response: Response,
) -> StoredProfile:
    """Create or replace a profile; publishes `profile-updated` when the matching facts changed."""
    profile = _validated(given, referential)
    current = await store.get(seeker_id)
    if _is_own(caller, seeker_id):
        profile = keep_counsellor_fields(profile, current.profile if current else None)
    elif caller.role is Role.COUNSELLOR:
        if current is None:
            profile = profile.model_copy(update={"counsellor_id": caller.sub})
        elif not _in_caseload(caller, current):
            raise _out_of_reach(seeker_id)
    elif caller.role is not Role.OPERATOR:
        raise forbid("Only the seeker, their counsellor or an operator may write this profile.")
    version, created = await _save(store, relay, seeker_id, profile)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return StoredProfile(
        seeker_id=seeker_id, version=version, updated_at=datetime.now(UTC), profile=profile
    )


@router.patch("/seekers/{seeker_id}/profile", responses=NOT_FOUND)
async def patch_profile(
    seeker_id: str,
    patch: Annotated[dict[str, Any], Body(description="JSON merge patch (RFC 7396).")],
    caller: Caller,
    store: Store,
    relay: Relay,
    referential: Reference,
) -> StoredProfile:
    """Change some fields: objects merge, `null` removes an optional field."""
    current = await _readable(store, caller, seeker_id)
    if _is_own(caller, seeker_id) and COUNSELLOR_FIELDS & patch.keys():
        fields = ", ".join(sorted(COUNSELLOR_FIELDS & patch.keys()))
        raise forbid(f"These are your counsellor's to set: {fields}.")
    merged = merge_patch(current.profile.model_dump(mode="json"), patch)
    try:
        given = ProfileIn.model_validate(merged)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors()]
        ) from None
    profile = _validated(given, referential)
    version, _ = await _save(store, relay, seeker_id, profile, expected_version=current.version)
    return StoredProfile(
        seeker_id=seeker_id, version=version, updated_at=datetime.now(UTC), profile=profile
    )


@router.get("/seekers/{seeker_id}/profile", responses=NOT_FOUND)
async def get_profile(seeker_id: str, caller: Caller, store: Store) -> StoredProfile:
    """A seeker's profile, contact data included."""
    stored = await _readable(store, caller, seeker_id)
    return StoredProfile(
        seeker_id=seeker_id,
        version=stored.version,
        updated_at=stored.updated_at,
        profile=stored.profile,
    )


@router.delete("/seekers/{seeker_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def erase_seeker(seeker_id: str, caller: Caller, store: Store, relay: Relay) -> None:
    """Erase the seeker: personal data goes at once; `profile-deleted` tells every service."""
    if not (_is_own(caller, seeker_id) or caller.role is Role.OPERATOR):
        raise forbid("Only the seeker themselves or an operator may erase an account.")
    if not await store.erase(seeker_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No seeker {seeker_id!r}.")
    relay.wake([seeker_id])


@router.get("/seekers/{seeker_id}/channels", responses=NOT_FOUND)
async def get_channels(seeker_id: str, caller: Caller, store: Store) -> Channels:
    """How to reach a seeker: for the notifier only, at delivery time."""
    if not (caller.is_service("notifier") or caller.role is Role.OPERATOR):
        raise forbid("Contact channels are for the notifier only.")
    stored = await store.get(seeker_id)
    if stored is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No seeker {seeker_id!r}.")
    return channels_of(stored)


def channels_of(stored: Stored) -> Channels:
    profile = stored.profile
    return Channels(
        email=profile.contact.email,
        phone=profile.contact.phone,
        push_token=profile.contact.push_token,
        language=profile.language,
        time_zone=profile.time_zone,
        no_smartphone=profile.no_smartphone,
        counsellor_id=profile.counsellor_id,
    )


@router.post("/seekers/channels")
async def find_channels(query: ChannelsQuery, caller: Caller, store: Store) -> ChannelsFound:
    """How to reach many seekers at once: for the notifier only, when it plans a batch."""
    if not (caller.is_service("notifier") or caller.role is Role.OPERATOR):
        raise forbid("Contact channels are for the notifier only.")
    found = await store.get_many(query.seeker_ids)
    return ChannelsFound(channels={s: channels_of(stored) for s, stored in found.items()})


@router.put("/seekers/{seeker_id}/counsellor", responses=NOT_FOUND)
async def assign_counsellor(
    seeker_id: str, change: CounsellorChange, caller: Caller, store: Store, relay: Relay
) -> StoredProfile:
    """Assign or transfer a seeker to a counsellor, with the reason kept in their file."""
    if caller.role not in (Role.COUNSELLOR, Role.OPERATOR):
        raise forbid("Only counsellors and operators assign seekers.")
    current = await store.get(seeker_id)
    if current is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No seeker {seeker_id!r}.")
    previous = current.profile.counsellor_id
    if caller.role is Role.COUNSELLOR and previous not in (None, caller.sub):
        raise _out_of_reach(seeker_id)
    profile = current.profile.model_copy(update={"counsellor_id": change.counsellor_id})
    assignment = Assignment(
        counsellor_id=change.counsellor_id,
        previous=previous,
        reason=change.reason,
        by=caller.sub,
        at=datetime.now(UTC),
    )
    version, _ = await _save(store, relay, seeker_id, profile, current.version, assignment)
    return StoredProfile(
        seeker_id=seeker_id, version=version, updated_at=datetime.now(UTC), profile=profile
    )


@router.get("/seekers/{seeker_id}/assignments", responses=NOT_FOUND)
async def list_assignments(seeker_id: str, caller: Caller, store: Store) -> list[AssignmentOut]:
    """Who was in charge of this seeker, since when, and why it changed."""
    await _readable(store, caller, seeker_id)
    return [AssignmentOut(**vars(a)) for a in await store.assignments(seeker_id)]


@router.get("/counsellors/{counsellor_id}/caseload")
async def get_caseload(
    counsellor_id: str,
    caller: Caller,
    store: Store,
    page: Annotated[int, Query(ge=1, le=10_000, description="From 1.")] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 50,
) -> CaseloadPage:
    """A counsellor's seekers, by id, one page at a time."""
    if not (
        (caller.role is Role.COUNSELLOR and caller.sub == counsellor_id)
        or caller.role is Role.OPERATOR
    ):
        raise forbid("A counsellor sees their own caseload only.")
    rows, total = await store.caseload(counsellor_id, (page - 1) * page_size, page_size)
    return CaseloadPage(
        counsellor_id=counsellor_id,
        total=total,
        page=page,
        page_size=page_size,
        seekers=[
            CaseloadEntry(
                seeker_id=seeker_id,
                first_name=stored.profile.contact.first_name,
                last_name=stored.profile.contact.last_name,
                occupations=[o.rome_code for o in stored.profile.occupations],
                commune_code=stored.profile.place.commune_code,
                needs_support=stored.profile.needs_support,
                no_smartphone=stored.profile.no_smartphone,
                review_before_send=stored.profile.review_before_send,
                version=stored.version,
                updated_at=stored.updated_at,
            )
            for seeker_id, stored in rows
        ],
    )
