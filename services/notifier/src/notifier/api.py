"""Internal HTTP API of the notifier (the gateway exposes it to the outside)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from contracts.vocabulary import FeedbackReason
from notifier.core import (
    ALERTS,
    AlertNotFound,
    AlertNotHeld,
    counsellor_preferences_of,
    counsellor_recipient,
    preferences_of,
    said_reasons,
    seeker_recipient,
    status_view,
)
from notifier.domain.model import CounsellorPreferences, Language, Preferences
from notifier.live import LiveHub
from notifier.service import Notifier
from notifier.store import Doc, NotifierStore
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.tracing import start_span

router = APIRouter(tags=["notifier"])


def get_notifier(request: Request) -> Notifier:
    return request.app.state.notifier  # type: ignore[no-any-return]


Service = Annotated[Notifier, Depends(get_notifier)]


class DigestLineOut(BaseModel):
    kind: Literal["match", "inactive", "feedback"] = Field(
        description="match: a fresh match in an occupation short of candidates; inactive: a"
        " seeker with no activity for a while; feedback: a seeker turned an offer down."
    )
    seeker_id: str
    urgency: float = Field(description="0 to 1; the digest is sorted by it, highest first.")
    offer_id: str | None = None
    offer_title: str | None = None
    tension_pct: float | None = Field(
        default=None, description="Share of hirings expected to be difficult in the occupation."
    )
    score: float | None = None
    days_inactive: int | None = None
    reason: FeedbackReason | None = Field(
        default=None, description="On a feedback line: why the seeker turned the offer down."
    )


class Notification(BaseModel):
    id: str = Field(description="Notification id; stable across updates.")
    seq: int = Field(
        default=0,
        description="Latest position in the recipient's stream (the SSE event id); 0 briefly.",
    )
    kind: str = Field(
        description="match, relay, strong, review, digest (counsellors), feedback (a seeker's"
        ' "not for me", to their counsellor), or training (a training their counsellor'
        " recommends, to a seeker)."
    )
    seeker_id: str | None = Field(default=None, description="Null on a counsellor's digest.")
    offer_id: str | None = Field(default=None, description="Null on a counsellor's digest.")
    alert_id: str | None = Field(default=None, description="Null on a digest and on feedback.")
    session_id: str | None = Field(
        default=None, description="The training session, on a training item."
    )
    title: str
    body: str
    reasons: list[str] = Field(
        description="Why the offer suits the seeker, in plain words, in the recipient's language."
    )
    read: bool
    offer_closed: bool = Field(description="The offer no longer takes candidates.")
    review: str | None = Field(default=None, description="approved or rejected, on review items.")
    feedback_reason: FeedbackReason | None = Field(
        default=None, description="On a feedback item: why the seeker turned the offer down."
    )
    lines: list[DigestLineOut] | None = Field(
        default=None, description="A counsellor's digest, line by line, most urgent first."
    )
    created_at: datetime


class NotificationPage(BaseModel):
    items: list[Notification]
    page: int
    page_size: int
    total: int
    unread: int


class ApproveRequest(BaseModel):
    note: str | None = Field(
        default=None, max_length=500, description="A personal word added to the alert."
    )


class HeldAlert(BaseModel):
    alert_id: str
    seeker_id: str
    offer_id: str
    offer_title: str
    score: float
    strong: bool
    reasons: list[str] = Field(description="Why the offer suits the seeker, in plain words.")
    created_at: datetime
    release_at: datetime | None = Field(default=None, description="Automatic release, if set.")


class AlertStatus(BaseModel):
    alert_id: str
    status: Literal["queued", "held", "sent", "delivered", "failed", "cancelled", "rejected"]
    offer_closed: bool
    review: str | None = Field(
        description="held, released, rejected or cancelled; null: no review."
    )
    channels: dict[str, dict[str, Any]] = Field(description="Per-channel delivery state.")


def notification_of(item: Doc) -> Notification:
    return Notification(id=item["_id"], **{k: v for k, v in item.items() if k != "_id"})


def is_staff(caller: Principal) -> bool:
    return caller.role in (Role.OPERATOR, Role.SERVICE)


def require_seeker(caller: Principal, seeker_id: str) -> None:
    if not (is_staff(caller) or (caller.role is Role.SEEKER and caller.sub == seeker_id)):
        raise forbid()


def require_counsellor(caller: Principal, counsellor_id: str) -> None:
    if not (is_staff(caller) or (caller.role is Role.COUNSELLOR and caller.sub == counsellor_id)):
        raise forbid()


async def seeker_inbox(seeker_id: str, caller: Caller) -> str:
    """The recipient of a seeker's inbox, once the caller may read it."""
    require_seeker(caller, seeker_id)
    return seeker_recipient(seeker_id)


async def counsellor_inbox(counsellor_id: str, caller: Caller) -> str:
    """The recipient of a counsellor's inbox, once the caller may read it."""
    require_counsellor(caller, counsellor_id)
    return counsellor_recipient(counsellor_id)


Page = Annotated[int, Query(ge=1, le=100_000, description="1 is the newest page.")]
PageSize = Annotated[int, Query(ge=1, le=100)]
LastEventId = Annotated[
    int | None, Header(alias="last-event-id", ge=0, description="Resume after this seq.")
]


class InboxListing:
    """Which page of an inbox to read."""

    def __init__(self, page: Page = 1, page_size: PageSize = 20, unread_only: bool = False):
        self.page = page
        self.page_size = page_size
        self.unread_only = unread_only

    async def read(self, store: NotifierStore, recipient: str) -> NotificationPage:
        items, total, unread = await store.inbox_page(
            recipient, (self.page - 1) * self.page_size, self.page_size, self.unread_only
        )
        return NotificationPage(
            items=[notification_of(i) for i in items],
            page=self.page,
            page_size=self.page_size,
            total=total,
            unread=unread,
        )


Listing = Annotated[InboxListing, Depends()]


def stream(request: Request, notifier: Notifier, recipient: str, after: int) -> EventSourceResponse:
    hub: LiveHub = request.app.state.hub
    poll_s: float = request.app.state.stream_poll_s

    async def events() -> AsyncIterator[dict[str, str]]:
        last = after
        async with hub.listen(recipient) as woken:
            while True:
                woken.clear()
                items = await notifier.store.inbox_since(recipient, last, 100)
                for item in items:
                    last = item["seq"]
                    # Ended once the event is written out: a `with` cannot span a yield.
                    span = start_span(
                        "notifier",
                        "notification deliver",
                        item.get("traceparent"),
                        **{"tremplin.notification.kind": item["kind"], "tremplin.channel": "sse"},
                    )
                    try:
                        yield {
                            "id": str(last),
                            "event": "notification",
                            "data": notification_of(item).model_dump_json(),
                        }
                    finally:
                        span.end()
                        ALERTS.labels("sse", "streamed").inc()
                if items:
                    continue  # more may have come meanwhile: read until caught up
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(poll_s):  # wait_for may swallow a cancellation
                        await woken.wait()

    return EventSourceResponse(events(), ping=15)


def declare_inbox_routes(
    owner: str,
    audience: str,
    inbox_of: Callable[..., Awaitable[str]],
    listing_doc: str,
    stream_doc: str,
) -> None:
    """A seeker's or a counsellor's inbox: its pages, and its new or changed notifications live."""
    path = f"{owner}/notifications"
    Inbox = Annotated[str, Depends(inbox_of)]

    async def notifications(
        inbox: Inbox,
        listing: Listing,
        notifier: Service,
    ) -> NotificationPage:
        return await listing.read(notifier.store, inbox)

    async def live(
        inbox: Inbox,
        request: Request,
        notifier: Service,
        last_event_id: LastEventId = None,
    ) -> EventSourceResponse:
        return stream(request, notifier, inbox, last_event_id or 0)

    notifications.__doc__, live.__doc__ = listing_doc, stream_doc
    router.get(path, name=f"{audience}_notifications")(notifications)
    router.get(f"{path}/stream", name=f"{audience}_stream")(live)


declare_inbox_routes(
    "/seekers/{seeker_id}",
    "seeker",
    seeker_inbox,
    "A seeker's inbox, newest first.",
    "Server-Sent Events: every new or changed notification, with its seq as the event id.",
)
declare_inbox_routes(
    "/counsellors/{counsellor_id}",
    "counsellor",
    counsellor_inbox,
    "A counsellor's inbox: strong matches, alerts to pass on, alerts to review.",
    "Server-Sent Events of a counsellor's inbox.",
)


@router.post(
    "/seekers/{seeker_id}/notifications/{notification_id}/read",
    responses={404: {"description": "No such notification in this inbox."}},
)
async def mark_notification_read(
    seeker_id: str, notification_id: str, caller: Caller, notifier: Service
) -> Notification:
    """Mark a notification as read (idempotent)."""
    inbox = await seeker_inbox(seeker_id, caller)
    item = await notifier.store.mark_read(inbox, notification_id, notifier.clock.now())
    if item is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No notification {notification_id!r}.")
    return notification_of(item)


@router.get("/seekers/{seeker_id}/preferences")
async def get_preferences(seeker_id: str, caller: Caller, notifier: Service) -> Preferences:
    """A seeker's preferences (the defaults until they change them)."""
    require_seeker(caller, seeker_id)
    return preferences_of(await notifier.store.seeker(seeker_id))


@router.put("/seekers/{seeker_id}/preferences")
async def put_preferences(
    seeker_id: str, preferences: Preferences, caller: Caller, notifier: Service
) -> Preferences:
    """Replace a seeker's preferences; they apply to alerts planned from now on."""
    require_seeker(caller, seeker_id)
    seeker = await notifier.store.seeker(seeker_id)
    if seeker is not None and seeker.get("erased"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "This seeker was erased.")
    await notifier.store.save_preferences(seeker_id, preferences.model_dump(mode="json"))
    return preferences


@router.get("/counsellors/{counsellor_id}/preferences")
async def get_counsellor_preferences(
    counsellor_id: str, caller: Caller, notifier: Service
) -> CounsellorPreferences:
    """A counsellor's working hours and digest language (the defaults until they change them)."""
    require_counsellor(caller, counsellor_id)
    counsellor = await notifier.store.counsellor(counsellor_id)
    return counsellor_preferences_of(counsellor, notifier.default_zone.key)


@router.put("/counsellors/{counsellor_id}/preferences")
async def put_counsellor_preferences(
    counsellor_id: str, preferences: CounsellorPreferences, caller: Caller, notifier: Service
) -> CounsellorPreferences:
    """Replace a counsellor's preferences; the next digest moves to the next working day start."""
    require_counsellor(caller, counsellor_id)
    await notifier.set_counsellor_preferences(counsellor_id, preferences)
    return preferences


@router.get("/counsellors/{counsellor_id}/held-alerts")
async def held_alerts(
    counsellor_id: str,
    caller: Caller,
    notifier: Service,
    page: Page = 1,
    page_size: PageSize = 20,
    language: Annotated[
        Language | None,
        Query(description="The reasons' language; the counsellor's own by default."),
    ] = None,
) -> list[HeldAlert]:
    """Alerts of the counsellor's caseload that wait for their approval, oldest first."""
    require_counsellor(caller, counsellor_id)
    alerts = await notifier.store.held_alerts(counsellor_id, (page - 1) * page_size, page_size)
    if language is None:
        language = (await notifier.counsellor_languages([counsellor_id]))[counsellor_id]
    return [
        HeldAlert(
            alert_id=a["_id"],
            **{k: v for k, v in a.items() if k not in ("_id", "reasons")},
            reasons=said_reasons(a.get("reasons", ()), language, notifier.names),
        )
        for a in alerts
    ]


async def reviewable(notifier: Notifier, alert_id: str, caller: Principal) -> Doc:
    alert = await notifier.store.alert(alert_id)
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No alert {alert_id!r}.")
    if not is_staff(caller) and not (
        caller.role is Role.COUNSELLOR and alert.get("counsellor_id") == caller.sub
    ):
        raise forbid("Only the seeker's counsellor reviews this alert.")
    return alert


async def review(
    notifier: Notifier, alert_id: str, caller: Principal, note: str | None, approve: bool
) -> AlertStatus:
    await reviewable(notifier, alert_id, caller)
    try:
        if approve:
            await notifier.approve(alert_id, caller.sub, note)
        else:
            await notifier.reject(alert_id, caller.sub)
    except AlertNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No alert {alert_id!r}.") from None
    except AlertNotHeld as error:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"The alert is not held any more (it is {error.status})."
        ) from None
    return await alert_status(alert_id, caller, notifier)


@router.post("/held-alerts/{alert_id}/approve")
async def approve_alert(
    alert_id: str, caller: Caller, notifier: Service, body: ApproveRequest | None = None
) -> AlertStatus:
    """Let a held alert go to the seeker, with an optional personal note."""
    return await review(notifier, alert_id, caller, body.note if body else None, approve=True)


@router.post("/held-alerts/{alert_id}/reject")
async def reject_alert(alert_id: str, caller: Caller, notifier: Service) -> AlertStatus:
    """Drop a held alert: the seeker never sees it."""
    return await review(notifier, alert_id, caller, None, approve=False)


@router.get("/alerts/{alert_id}/status")
async def alert_status(alert_id: str, caller: Caller, notifier: Service) -> AlertStatus:
    """Where an alert stands: held, queued, sent, delivered, failed (and per channel)."""
    alert = await notifier.store.alert(alert_id)
    if alert is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No alert {alert_id!r}.")
    allowed = (
        is_staff(caller)
        or (caller.role is Role.SEEKER and alert["seeker_id"] == caller.sub)
        or (caller.role is Role.COUNSELLOR and alert.get("counsellor_id") == caller.sub)
    )
    if not allowed:
        raise forbid()
    view = status_view(alert, await notifier.store.deliveries_of(alert_id))
    if caller.role is Role.SEEKER and alert.get("needs_review"):
        # A seeker does not see the review itself: a held alert is simply not out yet.
        view["status"] = {"held": "queued", "rejected": "cancelled"}.get(
            view["status"], view["status"]
        )
        view["review"] = None
    return AlertStatus.model_validate(view)
