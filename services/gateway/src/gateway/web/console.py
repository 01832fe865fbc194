"""The counsellor console: the same upstream calls and access log as the /v1 counsellor routes."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response, StreamingResponse

from gateway.models import CaseloadOut, HeldAlertDecision, StoredProfileOut
from gateway.names import NamesOf
from gateway.routes.deps import Accesses, Id, LastEventId, Services
from gateway.web.pages import Form, PageUser, first, language, redirect, render, resume_from
from gateway.web.seeker import note_of

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
    body = await services.json(
        "profiles",
        "GET",
        f"/counsellors/{me.sub}/caseload",
        me,
        params={"page": page, "page_size": CASELOAD_PAGE},
    )
    found = CaseloadOut.model_validate(body)
    seekers = found.seekers
    held = await or_none(
        services.json(
            "notifier",
            "GET",
            f"/counsellors/{me.sub}/held-alerts",
            me,
            params={"page_size": 100},
        )
    )
    held_by: dict[str, int] = {}
    for alert in held or []:
        held_by[alert["seeker_id"]] = held_by.get(alert["seeker_id"], 0) + 1
    # A count of suggestions, not their content: not an opening of the file (no access entry).
    counts = await asyncio.gather(
        *(
            or_none(
                services.json("recommender", "GET", f"/seekers/{s.seeker_id}/recommendations", me)
            )
            for s in seekers
        )
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
    body = await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me)
    await accesses.record(seeker_id, me.sub, me.name, "profile")
    stored = StoredProfileOut.model_validate(body)
    try:
        matches = await services.json(
            "recommender", "GET", f"/seekers/{seeker_id}/recommendations", me
        )
        await accesses.record(seeker_id, me.sub, me.name, "recommendations")
    except HTTPException as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        matches = []
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
        services.json("companies", "GET", f"/companies/applications/of/{seeker_id}", me)
    )
    if applications is not None:
        await accesses.record(seeker_id, me.sub, me.name, "applications")
    offer_applications = await or_none(
        services.json("offers", "GET", f"/offers/applications/of/{seeker_id}", me)
    )
    if offer_applications is not None:
        await accesses.record(seeker_id, me.sub, me.name, "offer_applications")
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
    await services.json(
        "profiles",
        "PATCH",
        f"/seekers/{seeker_id}/profile",
        me,
        json={"review_before_send": enabled},
    )
    return redirect(f"/console/seekers/{seeker_id}?done=saved")


@router.get("/notifications")
async def feed(request: Request, me: PageUser, services: Services) -> Response:
    page = await services.json(
        "notifier",
        "GET",
        f"/counsellors/{me.sub}/notifications",
        me,
        params={"page": 1, "page_size": 50},
    )
    items = []
    for item in page.get("items", []):
        text, note = note_of(str(item.get("body", "")))
        items.append({**item, "text": text, "note": note})
    return render(
        request,
        "notifications.html",
        principal=me,
        items=items,
        after=max((int(i.get("seq", 0)) for i in items), default=0),
        stream="/console/notifications/stream",
        title_key="feed_title",
        intro_key="feed_intro",
        can_mark=False,
    )


@router.get("/notifications/stream")
async def feed_stream(
    request: Request, me: PageUser, services: Services, last_event_id: LastEventId = None
) -> StreamingResponse:
    return await services.event_stream(
        "notifier",
        f"/counsellors/{me.sub}/notifications/stream",
        me,
        resume_from(request, last_event_id),
    )


@router.get("/review")
async def review_queue(request: Request, me: PageUser, services: Services) -> Response:
    alerts = await services.json(
        "notifier",
        "GET",
        f"/counsellors/{me.sub}/held-alerts",
        me,
        params={"page_size": 100, "language": language(request)},
    )
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
    await services.json(
        "notifier",
        "POST",
        f"/held-alerts/{alert_id}/approve",
        me,
        json=decision.model_dump(mode="json"),
    )
    return redirect("/console/review?done=approved")


@router.post("/review/{alert_id}/reject")
async def reject(alert_id: Id, me: PageUser, form: Form, services: Services) -> Response:
    await services.json("notifier", "POST", f"/held-alerts/{alert_id}/reject", me)
    return redirect("/console/review?done=rejected")
