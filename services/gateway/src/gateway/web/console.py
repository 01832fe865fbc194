"""The counsellor console: the same upstream calls and access log as the /v1 counsellor routes."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from gateway.models import HeldAlertDecision
from gateway.names import NamesOf
from gateway.routes import inbox
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.seeker_data import (
    applications_of,
    caseload_of,
    change_profile,
    offer_applications_of,
    profile_of,
    seen,
    suggestions_of,
    unless_missing,
)
from gateway.web.notifications import declare_notification_pages
from gateway.web.pages import Form, PageUser, first, language, redirect, render

router = APIRouter(prefix="/console", include_in_schema=False)
OFFER_DETAILS = 20  # match cards that show the offer's contract and salary
CASELOAD_PAGE = 50


async def or_none(call: Any) -> Any:
    """A figure the page can do without: None when its service cannot give it."""
    try:
        return await call
    except HTTPException:
        return None


@router.get("")
async def caseload(request: Request, me: PageUser, services: Services) -> Response:
    asked = request.query_params.get("page", "1")
    page = int(asked) if asked.isdigit() and 0 < int(asked) <= 10_000 else 1
    found = await caseload_of(me, services, page, CASELOAD_PAGE)
    seekers = found.seekers
    held = await or_none(inbox.held_alerts_of(me, services, page_size=100))
    held_by: dict[str, int] = {}
    for alert in held or []:
        held_by[alert["seeker_id"]] = held_by.get(alert["seeker_id"], 0) + 1
    # A count of suggestions, not their content: not an opening of the file (no access entry).
    counts = await asyncio.gather(
        *(or_none(suggestions_of(s.seeker_id, me, services)) for s in seekers)
    )
    rows = [
        {
            "seeker": seeker,
            "matches": None if found is None else len(found),
            "held": held_by.get(seeker.seeker_id, 0),
        }
        for seeker, found in zip(seekers, counts, strict=True)
    ]
    pages = max(1, -(-found.total // CASELOAD_PAGE))
    return render(request, "console_caseload.html", principal=me, rows=rows, page=page, pages=pages)


@router.get("/seekers/{seeker_id}")
async def seeker_file(
    request: Request,
    seeker_id: Id,
    me: PageUser,
    services: Services,
    accesses: Accesses,
    names: NamesOf,
) -> Response:
    stored = await seen(profile_of(seeker_id, me, services), seeker_id, "profile", me, accesses)
    suggested = suggestions_of(seeker_id, me, services)
    matches = await unless_missing(seen(suggested, seeker_id, "recommendations", me, accesses), [])
    feedback = await or_none(
        services.json("recommender", "GET", f"/seekers/{seeker_id}/feedback", me)
    )
    offers = await asyncio.gather(
        *(
            or_none(services.json("offers", "GET", f"/offers/{m['offer_id']}", me))
            for m in matches[:OFFER_DETAILS]
        )
    )
    shown = zip(matches, offers, strict=False)  # details for the first OFFER_DETAILS only
    details = {m["offer_id"]: (o or {}).get("offer", {}) for m, o in shown}
    titles = {m["offer_id"]: m.get("offer_title") for m in matches}
    applications = await or_none(
        seen(applications_of(seeker_id, me, services), seeker_id, "applications", me, accesses)
    )
    offer_applications = await or_none(
        seen(
            offer_applications_of(seeker_id, me, services),
            seeker_id,
            "offer_applications",
            me,
            accesses,
        )
    )
    return render(
        request,
        "console_seeker.html",
        principal=me,
        stored=stored,
        matches=matches,
        details=details,
        feedback=feedback or [],
        titles=titles,
        applications=(applications or {}).get("items", []),
        offer_applications=(offer_applications or {}).get("items", []),
        names=names,
        saved=request.query_params.get("done") == "saved",
    )


@router.post("/seekers/{seeker_id}/review-before-send")
async def switch_review(seeker_id: Id, me: PageUser, form: Form, services: Services) -> Response:
    enabled = first(form, "enabled") == "true"
    await change_profile(seeker_id, {"review_before_send": enabled}, me, services)
    return redirect(f"/console/seekers/{seeker_id}?done=saved")


declare_notification_pages(
    router, "counsellors", title_key="feed_title", intro_key="feed_intro", can_mark=False
)


@router.get("/review")
async def review_queue(request: Request, me: PageUser, services: Services) -> Response:
    alerts = await inbox.held_alerts_of(me, services, page_size=100, language=language(request))
    return render(
        request,
        "console_review.html",
        principal=me,
        alerts=alerts or [],
        done=request.query_params.get("done"),
    )


@router.post("/review/{alert_id}/approve")
async def approve(alert_id: Id, me: PageUser, form: Form, services: Services) -> Response:
    decision = HeldAlertDecision(note=first(form, "note")[:500] or None)
    await inbox.approve_alert(alert_id, decision, me, services)
    return redirect("/console/review?done=approved")


@router.post("/review/{alert_id}/reject")
async def reject(alert_id: Id, me: PageUser, form: Form, services: Services) -> Response:
    await inbox.reject_alert(alert_id, me, services)
    return redirect("/console/review?done=rejected")
