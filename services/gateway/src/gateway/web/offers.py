"""Offers in the web app and the console: a search (the same call as GET /v1/offers) and an
offer's page (the same answer as GET /v1/offers/{id}: open or closed, how to apply, and for a
seeker the distance from home and what their profile lacks). On an employer's offer the seeker
applies (the same call as POST /v1/me/offers/{offer_id}/applications) and sees, or withdraws,
their application."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from contracts.offer_applications import OfferApplicationIn
from contracts.offers import ApplyChannel, OfferDetails, OfferPage, OfferView
from contracts.vocabulary import ContractType
from gateway.models import StoredProfileOut
from gateway.names import NamesOf
from gateway.offer_details import details_of
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.offer_applications import submit
from gateway.routes.offers import offer_details
from gateway.routes.seeker_data import offer_applications_of, profile_of, seen, unless_missing
from gateway.web.applying import MESSAGE_MAX, application_in, message_errors, refusal_errors
from gateway.web.i18n import translate
from gateway.web.pages import Form, PageUser, form_page, language, redirect, render
from refdata import Names

router = APIRouter(include_in_schema=False)

CONTRACTS = [ContractType.CDI, ContractType.CDD, ContractType.MIS, ContractType.SAI]
PAGE_SIZE = 10
FIELDS = ("q", "rome", "commune", "radius_km", "min_salary_eur")
WHOLE = re.compile(r"^\d{1,7}$")
REFUSALS = {404: "apply_offer_unknown", 429: "apply_offer_too_many"}


@dataclass
class Search:
    """What the form shows, what is wrong with it, and what to ask the offers service."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    page: int = 1


def defaults(profile: StoredProfileOut | None, names: Names) -> dict[str, Any]:
    """A first visit searches the seeker's first occupation around their home."""
    blank = {"q": "", "rome": "", "commune": "", "radius_km": "30", "min_salary_eur": ""}
    if profile is None:
        return {**blank, "contract": []}
    seeker = profile.profile
    ranked = sorted(seeker.occupations, key=lambda o: o.priority)
    code = seeker.place.commune_code
    return {
        **blank,
        "rome": ranked[0].rome_code if ranked else "",
        "commune": names.commune(code) or code,
        "radius_km": str(seeker.radius_km),
        "contract": [],
    }


def read_search(
    query: Mapping[str, list[str]], names: Names, lang: str, first_visit: dict[str, Any]
) -> Search:
    """The form's fields, checked; the offers service's parameters from them."""
    if not any(name in query for name in (*FIELDS, "contract")):
        values = dict(first_visit)
    else:
        values = {name: (query.get(name) or [""])[0].strip() for name in FIELDS}
        values["contract"] = [c for c in query.get("contract", []) if c in CONTRACTS]
    page_text = (query.get("page") or ["1"])[0]
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) <= 1000 else 1
    search = Search(values=values, page=page)
    params: dict[str, Any] = {"page": page, "page_size": PAGE_SIZE}
    if values["q"]:
        params["q"] = values["q"][:200]
    if values["rome"] and names.occupation(values["rome"]) is not None:
        params["rome"] = [values["rome"]]
    if values["contract"]:
        params["contract"] = list(values["contract"])
    if values["commune"]:
        code = names.commune_code(values["commune"])
        if code is None:
            search.errors["commune"] = translate(lang, "search_place_unknown")
        else:
            params["commune"] = code
            radius = values["radius_km"] or "30"
            if WHOLE.match(radius) and 1 <= int(radius) <= 200:
                params["radius_km"] = int(radius)
            else:
                search.errors["radius_km"] = translate(lang, "search_radius_invalid")
    salary = values["min_salary_eur"]
    if salary:
        if WHOLE.match(salary):
            params["min_salary_eur"] = int(salary)
        else:
            search.errors["min_salary_eur"] = translate(lang, "search_salary_invalid")
    search.params = params
    return search


def page_link(values: dict[str, Any], page: int) -> str:
    pairs: list[tuple[str, str]] = [(name, str(values.get(name) or "")) for name in FIELDS]
    pairs += [("contract", c) for c in values.get("contract", [])]
    pairs.append(("page", str(page)))
    return "/app/offers?" + urlencode(pairs)


def date_in(lang: str, moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.strftime("%d/%m/%Y" if lang == "fr" else "%-d %B %Y")


def euros(lang: str, amount: int) -> str:
    return f"{amount:,}".replace(",", "\u202f" if lang == "fr" else ",")


def salary_in(lang: str, details: OfferView) -> str | None:
    """The monthly figures in the page's words, then the employer's own text."""
    salary = details.offer.salary
    low, high = salary.min_monthly_eur, salary.max_monthly_eur
    figures = None
    if low is not None and high == low:
        figures = translate(lang, "offer_salary_exact", amount=euros(lang, low))
    elif low is not None and high is not None:
        figures = translate(
            lang, "offer_salary_range", low=euros(lang, low), high=euros(lang, high)
        )
    elif low is not None:
        figures = translate(lang, "offer_salary_from", low=euros(lang, low))
    elif high is not None:
        figures = translate(lang, "offer_salary_up_to", high=euros(lang, high))
    if figures and salary.text:
        return f"{figures} ({salary.text})"
    return figures or salary.text


@router.get("/app/offers")
async def search_page(
    request: Request, me: PageUser, services: Services, names: NamesOf
) -> Response:
    lang = language(request)
    profile = await unless_missing(profile_of(me.sub, me, services), None)
    query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        query.setdefault(name, []).append(value)
    search = read_search(query, names, lang, defaults(profile, names))
    found = None
    if not search.errors:
        found = OfferPage.model_validate(
            await services.json("offers", "GET", "/offers", me, params=search.params)
        )
    pages = max(1, -(-found.total // PAGE_SIZE)) if found else 1
    home = profile.profile.place.commune_code if profile else None
    my_occupations = (
        [o.rome_code for o in sorted(profile.profile.occupations, key=lambda o: o.priority)]
        if profile
        else []
    )
    return form_page(
        request,
        "app_offers.html",
        search.errors,
        me,
        values=search.values,
        found=found,
        page=search.page,
        pages=pages,
        previous=page_link(search.values, search.page - 1) if search.page > 1 else None,
        next=page_link(search.values, search.page + 1) if search.page < pages else None,
        from_home=search.params.get("commune") == home,
        contracts=[c.value for c in CONTRACTS],
        my_occupations=my_occupations,
        occupations=sorted(names.occupations.items(), key=lambda item: item[1]),
        names=names,
        salary=lambda d: salary_in(lang, d),
        day=lambda moment: date_in(lang, moment),
    )


def offer_page(
    request: Request,
    me: Any,
    details: OfferDetails,
    names: Names,
    back: str,
    back_key: str,
    status_code: int = status.HTTP_200_OK,
    **applying: Any,
) -> Response:
    lang = language(request)
    offer = details.offer
    missing = {(m.kind, m.label) for m in details.missing or []}
    application = applying.pop("application", None)
    return render(
        request,
        "offer.html",
        status_code,
        principal=me,
        application=application,
        applied_on=date_in(lang, application.get("created_at")) if application else "",
        withdrawn_on=date_in(lang, application.get("withdrawn_at")) if application else "",
        message_max=MESSAGE_MAX,
        errors=applying.pop("errors", {}),
        values=applying.pop("values", {}),
        done=request.query_params.get("done"),
        d=details,
        o=offer,
        occupation=offer.occupation_label or names.occupation(offer.rome_code),
        salary=salary_in(lang, details),
        missing=missing,
        updated=date_in(lang, offer.updated_at),
        closed_on=date_in(lang, details.closed_at),
        back=back,
        back_key=back_key,
    )


async def my_application(services: Services, me: Any, offer_id: str) -> dict[str, Any] | None:
    """The seeker's application to this offer, if they sent one."""
    mine = await offer_applications_of(me.sub, me, services)
    found = next((a for a in mine.get("items", []) if a["offer_id"] == offer_id), None)
    if found is not None:
        for moment in ("created_at", "withdrawn_at"):
            if found.get(moment):
                found[moment] = datetime.fromisoformat(found[moment])
    return found


async def seeker_offer_page(
    request: Request,
    offer_id: str,
    me: Any,
    services: Services,
    names: Names,
    status_code: int = status.HTTP_200_OK,
    **applying: Any,
) -> Response:
    details = await offer_details(offer_id, me, services, names)
    application = None
    if details.how_to_apply.channel is ApplyChannel.TREMPLIN:
        application = await my_application(services, me, offer_id)
    return offer_page(
        request,
        me,
        details,
        names,
        "/app/offers",
        "back_to_search",
        status_code,
        application=application,
        **applying,
    )


@router.get("/app/offers/{offer_id}")
async def seeker_offer(
    request: Request, offer_id: Id, me: PageUser, services: Services, names: NamesOf
) -> Response:
    return await seeker_offer_page(request, offer_id, me, services, names)


def refusal_key(error: HTTPException) -> str:
    if error.status_code == status.HTTP_409_CONFLICT:
        detail = str(error.detail).lower()
        if "already" in detail:
            return "apply_offer_already"
        return "apply_offer_closed" if "closed" in detail else "apply_offer_elsewhere"
    return REFUSALS.get(error.status_code, "apply_failed")


@router.post("/app/offers/{offer_id}/apply")
async def apply_to_offer(
    request: Request, offer_id: Id, me: PageUser, form: Form, services: Services, names: NamesOf
) -> Response:
    lang = language(request)
    typed = application_in(form)
    errors = message_errors(typed.message, "apply_offer_message_required", lang)
    if errors:
        return await seeker_offer_page(
            request, offer_id, me, services, names, 422, errors=errors, values=typed.values
        )
    application = OfferApplicationIn(message=typed.message, consent_to_share_contact=typed.consent)
    try:
        await submit(offer_id, application, me, services)
    except HTTPException as error:
        errors = refusal_errors(error, lang, refusal_key)
        return await seeker_offer_page(
            request,
            offer_id,
            me,
            services,
            names,
            error.status_code,
            errors=errors,
            values=typed.values,
        )
    return redirect(f"/app/offers/{offer_id}?done=applied#apply-heading")


@router.post("/app/offers/{offer_id}/withdraw")
async def withdraw_from_offer(
    request: Request, offer_id: Id, me: PageUser, form: Form, services: Services
) -> Response:
    application = await my_application(services, me, offer_id)
    if application is None:  # nothing to withdraw (a second tab did): the page says what stands
        return redirect(f"/app/offers/{offer_id}#apply-heading")
    await services.json(
        "offers", "POST", f"/offers/applications/{application['application_id']}/withdraw", me
    )
    return redirect(f"/app/offers/{offer_id}?done=withdrawn#apply-heading")


@router.get("/console/offers/{offer_id}")
async def counsellor_offer(
    request: Request,
    offer_id: Id,
    me: PageUser,
    services: Services,
    names: NamesOf,
    accesses: Accesses,
) -> Response:
    """With `?seeker=<id>` (a seeker of the caseload): their distance and what they lack."""
    details = await offer_details(offer_id, me, services, names)
    seeker_id = request.query_params.get("seeker", "")
    back, back_key = "/console", "nav_caseload"
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}", seeker_id):
        read = profile_of(seeker_id, me, services)
        profile = (await seen(read, seeker_id, "profile", me, accesses)).profile
        details = details_of(details, names, profile)
        back, back_key = f"/console/seekers/{seeker_id}", "back_to_file"
    return offer_page(request, me, details, names, back, back_key)
