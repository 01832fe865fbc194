"""The seeker's companies page: companies likely to hire, a spontaneous application to each (the
same call as POST /v1/me/companies/{siret}/applications), and the seeker's applications."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import Response

from contracts.companies import SIRET_PATTERN, ApplicationIn
from gateway.names import names_of
from gateway.routes.companies import companies_of
from gateway.routes.deps import Services
from gateway.web.i18n import translate
from gateway.web.pages import Form, PageUser, first, language, redirect, render

router = APIRouter(prefix="/app", include_in_schema=False)
Siret = Annotated[str, Path(pattern=SIRET_PATTERN)]
MESSAGE_MAX = 3000  # ApplicationIn.message
REFUSALS = {404: "apply_unknown_company", 429: "apply_too_many"}


async def companies_page(
    request: Request,
    me: Any,
    services: Services,
    errors: dict[str, str] | None = None,
    siret: str | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    try:
        found = await companies_of(me.sub, me, services, 20, names_of(request))
    except HTTPException as error:
        if error.status_code != status.HTTP_404_NOT_FOUND:
            raise
        return redirect("/app/profile")
    mine = await services.json("companies", "GET", f"/companies/applications/of/{me.sub}", me)
    applied = {a["siret"] for a in mine.get("items", [])}
    return render(
        request,
        "app_companies.html",
        status.HTTP_422_UNPROCESSABLE_CONTENT if errors else status.HTTP_200_OK,
        principal=me,
        companies=[c.model_dump() for c in found.items],
        applications=mine.get("items", []),
        applied=applied,
        errors=errors or {},
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
    message = first(form, "message")
    consent = first(form, "consent_to_share_contact") == "true"
    values = {"message": message, "consent": consent}
    if not message:
        errors = {"message": translate(lang, "apply_message_required")}
        return await companies_page(request, me, services, errors, siret, values)
    if len(message) > MESSAGE_MAX:
        errors = {"message": translate(lang, "apply_message_too_long")}
        return await companies_page(request, me, services, errors, siret, values)
    body = ApplicationIn(message=message, consent_to_share_contact=consent)
    try:
        sent = await services.json(
            "companies",
            "POST",
            f"/companies/{siret}/applications/{me.sub}",
            me,
            json=body.model_dump(mode="json"),
        )
    except HTTPException as error:
        if error.status_code not in (404, 409, 422, 429):
            raise
        key = refusal_key(error)
        said = translate(lang, key, detail=str(error.detail)) if key == "apply_failed" else None
        errors = {"_form": said or translate(lang, key)}
        return await companies_page(request, me, services, errors, siret, values)
    done = "applied_kept" if sent.get("route") == "kept_for_counsellor" else "applied_sent"
    return redirect(f"/app/companies?done={done}#applications")
