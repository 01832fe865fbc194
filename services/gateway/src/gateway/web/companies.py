"""The seeker's companies page: companies likely to hire, a spontaneous application to each (the
same call as POST /v1/me/companies/{siret}/applications), and the seeker's applications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import Response

from contracts.companies import SIRET_PATTERN, ApplicationIn
from gateway.names import names_of
from gateway.routes.applications import send_application
from gateway.routes.companies import companies_of
from gateway.routes.deps import Services
from gateway.routes.seeker_data import applications_of, unless_missing
from gateway.web.applying import MESSAGE_MAX, application_in, message_errors, refusal_errors
from gateway.web.pages import Form, PageUser, form_page, language, redirect

router = APIRouter(prefix="/app", include_in_schema=False)
Siret = Annotated[str, Path(pattern=SIRET_PATTERN)]
REFUSALS = {404: "apply_unknown_company", 429: "apply_too_many"}


async def companies_page(
    request: Request,
    me: Any,
    services: Services,
    errors: dict[str, str] | None = None,
    siret: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    found = await unless_missing(companies_of(me.sub, me, services, 20, names_of(request)), None)
    if found is None:  # no profile yet
        return redirect("/app/profile")
    mine = await applications_of(me.sub, me, services)
    applied = {a["siret"] for a in mine.get("items", [])}
    return form_page(
        request,
        "app_companies.html",
        errors,
        me,
        companies=[c.model_dump() for c in found.items],
        applications=mine.get("items", []),
        applied=applied,
        error_siret=siret,
        values=values or {},
        done=request.query_params.get("done"),
        message_max=MESSAGE_MAX,
    )


@router.get("/companies")
async def companies(request: Request, me: PageUser, services: Services) -> Response:
    return await companies_page(request, me, services)


def refusal_key(error: HTTPException) -> str:
    if error.status_code == status.HTTP_409_CONFLICT:
        detail = str(error.detail).lower()
        return "apply_already" if "already" in detail else "apply_closed_company"
    return REFUSALS.get(error.status_code, "apply_failed")


@router.post("/companies/{siret}/apply")
async def apply(
    request: Request, siret: Siret, me: PageUser, form: Form, services: Services
) -> Response:
    lang = language(request)
    typed = application_in(form)
    errors = message_errors(typed.message, "apply_message_required", lang)
    if errors:
        return await companies_page(request, me, services, errors, siret, typed.values)
    body = ApplicationIn(message=typed.message, consent_to_share_contact=typed.consent)
    try:
        sent = await send_application(siret, body, me, services)
    except HTTPException as error:
        errors = refusal_errors(error, lang, refusal_key)
        return await companies_page(request, me, services, errors, siret, typed.values)
    done = "applied_kept" if sent.route == "kept_for_counsellor" else "applied_sent"
    return redirect(f"/app/companies?done={done}#applications")
