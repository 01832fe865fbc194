"""Trainings in the web app (what is proposed to the seeker, and what their counsellor
recommends) and in the console (a seeker's proposals, to recommend with a note or dismiss)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from contracts.trainings import DISMISS_REASON_MAX, NOTE_MAX, TrainingProposal
from gateway.names import names_of
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.seeker_data import profile_of, unless_missing
from gateway.routes.trainings import SessionId, decide, proposals_for
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
    found = await unless_missing(proposals_for(me.sub, me, services, names_of(request)), None)
    if found is None:  # no profile yet
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
    stored = await profile_of(seeker_id, me, services)
    found = await unless_missing(proposals_for(seeker_id, me, services, names_of(request)), [])
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


@dataclass(frozen=True)
class Decision:
    """A counsellor's decision on a proposal, from the console's form."""

    action: str  # the console's route
    field: str
    limit: int
    upstream: str  # the trainings service's route
    done: str


DECISIONS = (
    Decision("recommend", "note", NOTE_MAX, "recommendation", "recommended"),
    Decision("dismiss", "reason", DISMISS_REASON_MAX, "dismissal", "dismissed"),
)


def decision_route(decision: Decision) -> None:
    @console.post(f"/seekers/{{seeker_id}}/trainings/{{session_id}}/{decision.action}")
    async def decide_on_proposal(
        request: Request,
        seeker_id: Id,
        session_id: SessionId,
        me: PageUser,
        form: Form,
        services: Services,
        accesses: Accesses,
    ) -> Response:
        field = decision.field
        text = first(form, field)
        if len(text) > decision.limit:
            lang = language(request)
            message = translate(lang, "trainings_too_long", count=len(text), max=decision.limit)
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
        done = decision.done
        try:
            await decide(
                seeker_id, session_id, decision.upstream, {field: text or None}, me, services
            )
        except HTTPException as error:
            if error.status_code != status.HTTP_409_CONFLICT:
                raise
            done = "not_joinable"
        return redirect(f"/console/seekers/{seeker_id}/trainings?done={done}")


for each in DECISIONS:
    decision_route(each)
