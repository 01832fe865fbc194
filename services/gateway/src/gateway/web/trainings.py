"""Trainings in the web app (what is proposed to the seeker, and what their counsellor
recommends) and in the console (a seeker's proposals, to recommend with a note or dismiss)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from contracts.trainings import DISMISS_REASON_MAX, NOTE_MAX, TrainingProposal
from gateway.models import StoredProfileOut
from gateway.names import names_of
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.trainings import SessionId, proposals_for
from gateway.web.i18n import translate
from gateway.web.pages import Form, PageUser, first, language, redirect, render
from servicekit.auth import Principal
from wording.values import long_day

app = APIRouter(prefix="/app", include_in_schema=False)
console = APIRouter(prefix="/console", include_in_schema=False)

FUNDING = ("funding", "funding_possible")
DONE = ("recommended", "dismissed", "not_joinable")


def day_in(lang: str, value: str | None) -> str:
    return long_day(value, lang) if value else ""


def shown(found: list[TrainingProposal]) -> list[dict[str, Any]]:
    cards = []
    for proposal in found:
        card = proposal.model_dump(mode="json")
        card["funding"] = next((r for r in card["reasons"] if r["code"] in FUNDING), None)
        card["why"] = [r for r in card["reasons"] if r["code"] not in FUNDING]
        cards.append(card)
    return cards


def page_values(request: Request) -> dict[str, Any]:
    lang = language(request)
    return {"day": lambda value: day_in(lang, value)}


@app.get("/trainings")
async def my_trainings(request: Request, me: PageUser, services: Services) -> Response:
    try:
        found = await proposals_for(me.sub, me, services, names_of(request))
    except HTTPException as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return redirect("/app/profile")
    return render(
        request,
        "app_trainings.html",
        principal=me,
        trainings=shown(found),
        **page_values(request),
    )


async def seeker_page(
    request: Request,
    seeker_id: str,
    me: Principal,
    services: Services,
    accesses: Accesses,
    errors: dict[str, str] | None = None,
    kept: dict[str, str] | None = None,
    status_code: int = status.HTTP_200_OK,
) -> Response:
    body = await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me)
    stored = StoredProfileOut.model_validate(body)
    try:
        found = await proposals_for(seeker_id, me, services, names_of(request))
    except HTTPException as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        found = []
    await accesses.record(seeker_id, me.sub, me.name, "trainings")
    done = request.query_params.get("done")
    return render(
        request,
        "console_trainings.html",
        status_code,
        principal=me,
        stored=stored,
        trainings=shown(found),
        done=done if done in DONE else None,
        errors=errors or {},
        kept=kept or {},
        note_max=NOTE_MAX,
        reason_max=DISMISS_REASON_MAX,
        **page_values(request),
    )


@console.get("/seekers/{seeker_id}/trainings")
async def seeker_trainings(
    request: Request, seeker_id: Id, me: PageUser, services: Services, accesses: Accesses
) -> Response:
    return await seeker_page(request, seeker_id, me, services, accesses)


async def decide(
    request: Request,
    seeker_id: str,
    session_id: str,
    me: Principal,
    services: Services,
    accesses: Accesses,
    *,
    field: str,
    limit: int,
    upstream: str,
    done: str,
    form: dict[str, list[str]],
) -> Response:
    text = first(form, field)
    if len(text) > limit:
        message = translate(language(request), "trainings_too_long", count=len(text), max=limit)
        return await seeker_page(
            request,
            seeker_id,
            me,
            services,
            accesses,
            errors={f"{field}:{session_id}": message},
            kept={f"{field}:{session_id}": text},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me)  # caseload
    try:
        await services.json(
            "trainings",
            "POST",
            f"/trainings/seekers/{seeker_id}/sessions/{session_id}/{upstream}",
            me,
            json={field: text or None},
        )
    except HTTPException as error:
        if error.status_code != status.HTTP_409_CONFLICT:
            raise
        done = "not_joinable"
    return redirect(f"/console/seekers/{seeker_id}/trainings?done={done}")


@console.post("/seekers/{seeker_id}/trainings/{session_id}/recommend")
async def recommend(
    request: Request,
    seeker_id: Id,
    session_id: SessionId,
    me: PageUser,
    form: Form,
    services: Services,
    accesses: Accesses,
) -> Response:
    return await decide(
        request,
        seeker_id,
        session_id,
        me,
        services,
        accesses,
        field="note",
        limit=NOTE_MAX,
        upstream="recommendation",
        done="recommended",
        form=form,
    )


@console.post("/seekers/{seeker_id}/trainings/{session_id}/dismiss")
async def dismiss(
    request: Request,
    seeker_id: Id,
    session_id: SessionId,
    me: PageUser,
    form: Form,
    services: Services,
    accesses: Accesses,
) -> Response:
    return await decide(
        request,
        seeker_id,
        session_id,
        me,
        services,
        accesses,
        field="reason",
        limit=DISMISS_REASON_MAX,
        upstream="dismissal",
        done="dismissed",
        form=form,
    )
