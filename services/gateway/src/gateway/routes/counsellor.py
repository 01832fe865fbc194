"""A counsellor's caseload, their notifications and the alerts waiting for their review."""

from typing import Any

from fastapi import APIRouter

from gateway.language import ReaderLanguage
from gateway.models import (
    CaseloadOut,
    CounsellorChange,
    CounsellorPreferencesIn,
    HeldAlertDecision,
    ReviewSwitch,
    StoredProfileOut,
)
from gateway.names import NamesOf
from gateway.problems import responses
from gateway.routes import inbox
from gateway.routes.deps import Accesses, Id, Page, PageSize, Services
from gateway.routes.seeker_data import (
    NOT_IN_CASELOAD,
    caseload_of,
    caseload_routes,
    change_profile,
    profile_of,
    said_suggestions_of,
    seen,
    stored_profile,
)
from gateway.security import Caller

caseload = caseload_routes()
CHANGED = {
    **NOT_IN_CASELOAD,
    **responses(409, s409="The file changed at the same time: read it and retry."),
}
ALERT = responses(404, 409, s404="No such alert.", s409="The alert is not held any more.")
counsellor = APIRouter(prefix="/v1/counsellor", tags=["counsellor"])


@caseload.get("")
async def my_caseload(
    me: Caller, services: Services, page: Page = 1, page_size: PageSize = 50
) -> CaseloadOut:
    """The seekers you follow."""
    return await caseload_of(me, services, page, page_size)


@caseload.get("/{seeker_id}", responses=NOT_IN_CASELOAD)
async def seeker_file(
    seeker_id: Id, me: Caller, services: Services, accesses: Accesses
) -> StoredProfileOut:
    """A seeker's file. The seeker can see that you opened it."""
    return await seen(profile_of(seeker_id, me, services), seeker_id, "profile", me, accesses)


@caseload.get("/{seeker_id}/recommendations", responses=NOT_IN_CASELOAD)
async def seeker_recommendations(
    seeker_id: Id,
    me: Caller,
    services: Services,
    accesses: Accesses,
    language: ReaderLanguage,
    names: NamesOf,
) -> Any:
    """A seeker's suggestions with their reasons, in your language (Accept-Language). The seeker
    can see that you looked."""
    said = said_suggestions_of(seeker_id, me, services, language, names)
    return await seen(said, seeker_id, "recommendations", me, accesses)


@caseload.get("/{seeker_id}/feedback", responses=NOT_IN_CASELOAD)
async def seeker_feedback(seeker_id: Id, me: Caller, services: Services) -> Any:
    """What the seeker said about offers that were not for them, and why."""
    return await services.json("recommender", "GET", f"/seekers/{seeker_id}/feedback", me)


@caseload.put("/{seeker_id}/review-before-send", responses=CHANGED)
async def switch_review(
    seeker_id: Id, switch: ReviewSwitch, me: Caller, services: Services
) -> StoredProfileOut:
    """Have this seeker's alerts wait for your approval (or not)."""
    return await change_profile(seeker_id, {"review_before_send": switch.enabled}, me, services)


@caseload.put("/{seeker_id}/counsellor", responses=CHANGED)
async def assign(
    seeker_id: Id, change: CounsellorChange, me: Caller, services: Services
) -> StoredProfileOut:
    """Take a seeker on, or transfer them to a colleague, with the reason kept in their file."""
    path = f"/seekers/{seeker_id}/counsellor"
    return await stored_profile(services, me, "PUT", path, json=change)


inbox.declare_inbox_routes(
    counsellor,
    inbox.InboxRoutes(
        whose="counsellors",
        preferences_in=CounsellorPreferencesIn,
        notifications=(
            "Your notifications: strong matches in your caseload, feedback from your seekers."
        ),
        stream="Your notifications as they arrive (Server-Sent Events).",
        preferences="Your working hours and the language of your daily digest.",
        set_preferences=(
            "Change your working hours: your daily digest arrives when your working day starts."
        ),
    ),
)


@counsellor.get("/held-alerts")
async def held_alerts(me: Caller, services: Services, language: ReaderLanguage) -> Any:
    """Alerts waiting for your review before they reach your seekers, their reasons in your
    language (Accept-Language)."""
    return await inbox.held_alerts_of(me, services, language=language)


@counsellor.post("/held-alerts/{alert_id}/approve", responses=ALERT)
async def approve(alert_id: Id, decision: HeldAlertDecision, me: Caller, services: Services) -> Any:
    """Let the alert go to the seeker, with your note if you wrote one."""
    return await inbox.approve_alert(alert_id, decision, me, services)


@counsellor.post("/held-alerts/{alert_id}/reject", responses=ALERT)
async def reject(alert_id: Id, me: Caller, services: Services) -> Any:
    """Keep the alert from the seeker."""
    return await inbox.reject_alert(alert_id, me, services)
