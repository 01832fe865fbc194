"""The seeker's web app, for people without the native app: the same calls as /v1/me."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response
from pydantic import ValidationError

from contracts.vocabulary import ContractType, FeedbackReason, WorkingTime
from gateway.models import MyProfileIn, StoredProfileOut
from gateway.names import names_of
from gateway.routes import inbox
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.seeker_data import profile_of, suggestions_of, unless_missing
from gateway.web.i18n import error_text, translate
from gateway.web.notifications import declare_notification_pages
from gateway.web.pages import (
    SESSION,
    Form,
    PageUser,
    first,
    form_page,
    language,
    redirect,
    render,
    sessions_of,
)

router = APIRouter(prefix="/app", include_in_schema=False)

REASONS = [reason.value for reason in FeedbackReason]
CONTRACTS = [ContractType.CDI, ContractType.CDD, ContractType.MIS, ContractType.SAI]
WORKING_TIMES = [time.value for time in WorkingTime]
CATEGORIES = ["new_match", "offer_closed", "counsellor_message"]
CHANNELS = ["inbox", "push", "email", "sms"]
FREQUENCIES = ["instant", "daily", "weekly"]
PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "rome_code",
    "commune_code",
    "radius_km",
    "contract_types",
    "working_time",
    "min_monthly_salary_eur",
]
WHOLE = re.compile(r"^-?\d{1,9}$")


@router.get("")
async def home(me: PageUser) -> Response:
    return redirect("/app/recommendations")


async def suggestions(services: Services, me: Any) -> list[dict[str, Any]]:
    return list(await unless_missing(suggestions_of(me.sub, me, services), []) or [])


@router.get("/recommendations")
async def recommendations(request: Request, me: PageUser, services: Services) -> Response:
    return render(
        request,
        "app_recommendations.html",
        principal=me,
        suggestions=await suggestions(services, me),
        done=request.query_params.get("done"),
    )


@router.get("/recommendations/{offer_id}/not-for-me")
async def not_for_me_form(
    request: Request, offer_id: Id, me: PageUser, services: Services
) -> Response:
    return await feedback_page(request, offer_id, me, services)


async def feedback_page(
    request: Request,
    offer_id: str,
    me: Any,
    services: Services,
    errors: dict[str, str] | None = None,
) -> Response:
    found = [s for s in await suggestions(services, me) if s.get("offer_id") == offer_id]
    return form_page(
        request,
        "app_feedback.html",
        errors,
        me,
        offer_id=offer_id,
        title=found[0].get("offer_title", offer_id) if found else offer_id,
        reasons=REASONS,
    )


@router.post("/recommendations/{offer_id}/not-for-me")
async def not_for_me(
    request: Request, offer_id: Id, me: PageUser, form: Form, services: Services
) -> Response:
    reason = first(form, "reason")
    if reason not in REASONS:
        lang = language(request)
        return await feedback_page(
            request, offer_id, me, services, {"reason": translate(lang, "reason_required")}
        )
    await services.json(
        "recommender",
        "POST",
        f"/seekers/{me.sub}/recommendations/{offer_id}/feedback",
        me,
        json={"reason": reason},
    )
    return redirect("/app/recommendations?done=feedback")


def values_of(stored: StoredProfileOut | None) -> dict[str, Any]:
    if stored is None:
        return {"radius_km": "15", "contract_types": ["CDI"], "working_time": "any"}
    profile = stored.profile
    occupations = sorted(profile.occupations, key=lambda o: o.priority)
    return {
        "first_name": profile.contact.first_name,
        "last_name": profile.contact.last_name,
        "email": profile.contact.email or "",
        "phone": profile.contact.phone or "",
        "rome_code": occupations[0].rome_code if occupations else "",
        "commune_code": profile.place.commune_code,
        "radius_km": str(profile.radius_km),
        "contract_types": [c.contract_type.value for c in profile.contract_types],
        "working_time": profile.working_time.value,
        "min_monthly_salary_eur": (
            "" if profile.min_monthly_salary_eur is None else str(profile.min_monthly_salary_eur)
        ),
    }


def number_or_text(value: str) -> int | str | None:
    if value == "":
        return None
    return int(value) if WHOLE.match(value) else value


def body_of(values: dict[str, Any]) -> dict[str, Any]:
    """The profile as /v1/me/profile takes it, from the form's fields."""
    contracts = values["contract_types"]
    return {
        "contact": {
            "first_name": values["first_name"],
            "last_name": values["last_name"],
            "email": values["email"] or None,
            "phone": values["phone"] or None,
        },
        "occupations": [{"rome_code": values["rome_code"], "priority": 1}],
        "place": {"commune_code": values["commune_code"]},
        "radius_km": number_or_text(values["radius_km"]),
        "contract_types": [
            {"contract_type": code, "priority": rank} for rank, code in enumerate(contracts, 1)
        ],
        "working_time": values["working_time"] or "any",
        "min_monthly_salary_eur": number_or_text(values["min_monthly_salary_eur"]),
    }


def keep_what_the_form_does_not_show(body: dict[str, Any], stored: StoredProfileOut) -> None:
    """The form edits the first occupation and the usual contracts: the rest stays as it was."""
    first_code = body["occupations"][0]["rome_code"]
    ranked = sorted(stored.profile.occupations, key=lambda o: o.priority)[1:]
    others = [o.rome_code for o in ranked if o.rome_code != first_code]
    body["occupations"] += [{"rome_code": c, "priority": r} for r, c in enumerate(others, 2)]
    shown = {c.value for c in CONTRACTS}
    unusual = [
        c.contract_type.value
        for c in stored.profile.contract_types
        if c.contract_type.value not in shown
    ]
    start = len(body["contract_types"]) + 1
    body["contract_types"] += [
        {"contract_type": c, "priority": r} for r, c in enumerate(unusual, start)
    ]


def field_of(location: list[Any]) -> str:
    """The form field a 422's location points at."""
    names = [part for part in location if isinstance(part, str)]
    for name in reversed(names):
        if name in PROFILE_FIELDS:
            return name
    if "occupations" in names:
        return "rome_code"
    if "place" in names:
        return "commune_code"
    if "contact" in names:
        return "first_name"
    return "contract_types" if "contract_types" in names else "_form"


def errors_of(detail: Any, lang: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in detail if isinstance(detail, list) else []:
        if isinstance(problem, dict):
            field = field_of(list(problem.get("loc", [])))
            errors.setdefault(field, error_text(lang, problem))
    return errors or {"_form": str(detail)}


def profile_page(
    request: Request,
    me: Any,
    values: dict[str, Any],
    exists: bool,
    errors: dict[str, str] | None = None,
) -> Response:
    return form_page(
        request,
        "app_profile.html",
        errors,
        me,
        values=values,
        exists=exists,
        contracts=[c.value for c in CONTRACTS],
        occupations=sorted(names_of(request).occupations.items(), key=lambda item: item[1]),
        working_times=WORKING_TIMES,
        saved=request.query_params.get("done") == "saved",
    )


@router.get("/profile")
async def profile(request: Request, me: PageUser, services: Services) -> Response:
    stored = await unless_missing(profile_of(me.sub, me, services), None)
    values = values_of(stored)
    code = values.get("commune_code")
    values["commune_code"] = (code and names_of(request).commune(code)) or code or ""
    return profile_page(request, me, values, stored is not None)


@router.post("/profile")
async def save_profile(request: Request, me: PageUser, form: Form, services: Services) -> Response:
    lang = language(request)
    values: dict[str, Any] = {name: first(form, name) for name in PROFILE_FIELDS}
    values["contract_types"] = [c for c in form.get("contract_types", []) if c]
    body = body_of(values)
    # The commune by name ("Lyon", "Saint-Étienne") or by its INSEE code.
    typed = values["commune_code"]
    body["place"]["commune_code"] = names_of(request).commune_code(typed) or typed
    exists = first(form, "exists") == "1"
    try:
        if exists:
            stored = await unless_missing(profile_of(me.sub, me, services), None)
            if stored is not None:
                keep_what_the_form_does_not_show(body, stored)
            await services.json("profiles", "PATCH", f"/seekers/{me.sub}/profile", me, json=body)
        else:
            MyProfileIn.model_validate(body, strict=False)  # a form: numbers come as text
            await services.json("profiles", "PUT", f"/seekers/{me.sub}/profile", me, json=body)
    except ValidationError as error:
        problems = [{**e, "loc": ["body", *e["loc"]]} for e in error.errors()]
        return profile_page(request, me, values, exists, errors_of(problems, lang))
    except HTTPException as error:
        if error.status_code != status.HTTP_422_UNPROCESSABLE_CONTENT:
            raise
        return profile_page(request, me, values, exists, errors_of(error.detail, lang))
    return redirect("/app/profile?done=saved")


declare_notification_pages(
    router,
    "seekers",
    title_key="notifications_title",
    intro_key="notifications_intro",
    can_mark=True,
)


@router.post("/notifications/{notification_id}/read")
async def mark_read(notification_id: Id, me: PageUser, form: Form, services: Services) -> Response:
    await services.json(
        "notifier", "POST", f"/seekers/{me.sub}/notifications/{notification_id}/read", me
    )
    return redirect("/app/notifications")


def preferences_page(
    request: Request, me: Any, values: dict[str, Any], errors: dict[str, str] | None = None
) -> Response:
    quiet = values.get("quiet_hours") or {}
    return form_page(
        request,
        "app_preferences.html",
        errors,
        me,
        channels=values.get("channels", {}),
        frequency=values.get("frequency", "instant"),
        quiet_start=str(quiet.get("start", ""))[:5],
        quiet_end=str(quiet.get("end", ""))[:5],
        max_push=values.get("max_push_per_hour", 3),
        categories=CATEGORIES,
        all_channels=CHANNELS,
        frequencies=FREQUENCIES,
        saved=request.query_params.get("done") == "saved",
    )


@router.get("/preferences")
async def preferences(request: Request, me: PageUser, services: Services) -> Response:
    values = await inbox.preferences_of("seekers", me, services)
    return preferences_page(request, me, values)


@router.post("/preferences")
async def save_preferences(
    request: Request, me: PageUser, form: Form, services: Services
) -> Response:
    start, end = first(form, "quiet_start"), first(form, "quiet_end")
    max_push = first(form, "max_push_per_hour")
    values: dict[str, Any] = {
        "channels": {
            category: ["inbox", *(c for c in form.get(f"channels_{category}", []) if c != "inbox")]
            for category in CATEGORIES
        },
        "frequency": first(form, "frequency") or "instant",
        "quiet_hours": {"start": start, "end": end} if start or end else None,
        "max_push_per_hour": int(max_push) if max_push.isdigit() else 3,
    }
    try:
        await inbox.set_preferences_of("seekers", values, me, services)
    except HTTPException as error:
        if error.status_code != status.HTTP_422_UNPROCESSABLE_CONTENT:
            raise
        errors: dict[str, str] = {}
        detail: Any = error.detail
        for problem in detail if isinstance(detail, list) else []:
            names = [p for p in problem.get("loc", []) if isinstance(p, str)]
            field = "quiet_start" if "quiet_hours" in names else names[-1] if names else "_form"
            if field not in ("quiet_start", "frequency"):
                field = "_form"
            errors.setdefault(field, str(problem.get("msg", "")))
        return preferences_page(request, me, values, errors or {"_form": str(error.detail)})
    return redirect("/app/preferences?done=saved")


@router.get("/access-log")
async def access_log(request: Request, me: PageUser, accesses: Accesses) -> Response:
    return render(
        request, "app_access_log.html", principal=me, entries=await accesses.of(me.sub, 0, 100)
    )


@router.get("/erase")
async def erase_form(request: Request, me: PageUser) -> Response:
    return render(request, "app_erase.html", principal=me)


@router.post("/erase")
async def erase(
    request: Request, me: PageUser, form: Form, services: Services, accesses: Accesses
) -> Response:
    await services.json("profiles", "DELETE", f"/seekers/{me.sub}", me)
    await accesses.forget(me.sub)
    await sessions_of(request).forget(me.sub)
    response = render(request, "app_erased.html")
    response.delete_cookie(SESSION, path="/", httponly=True, samesite="lax")
    return response
