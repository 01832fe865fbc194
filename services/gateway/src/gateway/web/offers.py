"""Offers in the web app and the console: a search (the same call as GET /v1/offers) and an
offer's page (the same answer as GET /v1/offers/{id}: open or closed, how to apply, and for a
seeker the distance from home and what their profile lacks)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import Response

from contracts.offers import OfferDetails, OfferPage, OfferView
from contracts.vocabulary import ContractType
from gateway.models import StoredProfileOut
from gateway.names import NamesOf
from gateway.offer_details import details_of
from gateway.routes.deps import Accesses, Id, Services
from gateway.routes.offers import offer_details
from gateway.web.i18n import translate
from gateway.web.pages import PageUser, language, render
from refdata import Names

router = APIRouter(include_in_schema=False)

CONTRACTS = [ContractType.CDI, ContractType.CDD, ContractType.MIS, ContractType.SAI]
PAGE_SIZE = 10
FIELDS = ("q", "rome", "commune", "radius_km", "min_salary_eur")
WHOLE = re.compile(r"^\d{1,7}$")


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


async def profile_of(services: Services, me: Any, seeker_id: str) -> StoredProfileOut | None:
    try:
        body = await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me)
    except HTTPException as error:
        if error.status_code == status.HTTP_404_NOT_FOUND:
            return None
        raise
    return StoredProfileOut.model_validate(body)


@router.get("/app/offers")
async def search_page(
    request: Request, me: PageUser, services: Services, names: NamesOf
) -> Response:
    lang = language(request)
    profile = await profile_of(services, me, me.sub)
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
    return render(
        request,
        "app_offers.html",
        status.HTTP_422_UNPROCESSABLE_CONTENT if search.errors else status.HTTP_200_OK,
        principal=me,
        values=search.values,
        errors=search.errors,
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
    request: Request, me: Any, details: OfferDetails, names: Names, back: str, back_key: str
) -> Response:
    lang = language(request)
    offer = details.offer
    missing = {(m.kind, m.label) for m in details.missing or []}
    return render(
        request,
        "offer.html",
        principal=me,
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


@router.get("/app/offers/{offer_id}")
async def seeker_offer(
    request: Request, offer_id: Id, me: PageUser, services: Services, names: NamesOf
) -> Response:
    details = await offer_details(offer_id, me, services, names)
    return offer_page(request, me, details, names, "/app/offers", "back_to_search")


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
        body = await services.json("profiles", "GET", f"/seekers/{seeker_id}/profile", me)
        await accesses.record(seeker_id, me.sub, me.name, "profile")
        profile = StoredProfileOut.model_validate(body).profile
        details = details_of(details, names, profile)
        back, back_key = f"/console/seekers/{seeker_id}", "back_to_file"
    return offer_page(request, me, details, names, back, back_key)
