"""Offers: search for everyone; employers publish and manage theirs; operators import feeds."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError

from contracts.offer_import import JSON_LINES, NotRecordsError, SearchResponse, parse_json_lines
from contracts.offers import (
    COMMUNE_FORMAT,
    COMMUNE_PATTERN,
    ROME_PATTERN,
    Closure,
    ImportResult,
    OfferDetails,
    OfferIn,
    OfferPage,
    OfferPatch,
    OfferView,
)
from contracts.vocabulary import ContractType
from gateway.models import StoredProfileOut
from gateway.names import NamesOf
from gateway.offer_details import details_of
from gateway.problems import responses
from gateway.routes.deps import Id, Page, PageSize, Services
from gateway.security import Caller
from gateway.upstream import Upstreams
from refdata import Names
from servicekit.auth import Principal, Role

router = APIRouter(prefix="/v1/offers", tags=["offers"])
NOT_YOURS = "Not your offer: only the employer who published it, or an operator, may change it."
OFFER = responses(404, s404="No such offer.")
CHANGE = responses(
    403,
    404,
    409,
    s403=NOT_YOURS,
    s404="No such offer.",
    s409="The offer is closed, or changed at the same time: read it again.",
)


@router.get("", responses=responses(422, s422="A bad parameter, or an unknown commune."))
async def search_offers(
    me: Caller,
    services: Services,
    rome: Annotated[
        list[str],
        Query(
            description="ROME codes of the occupation (e.g. K2204); repeat for several.",
            max_length=20,
            json_schema_extra={"items": {"type": "string", "pattern": ROME_PATTERN}},
        ),
    ] = [],  # noqa: B006 (FastAPI copies query defaults)
    contract: Annotated[
        list[ContractType],
        Query(description="Contract types; repeat for several.", max_length=10),
    ] = [],  # noqa: B006
    commune: Annotated[
        str | None,
        Query(
            pattern=COMMUNE_PATTERN,
            json_schema_extra={"format": COMMUNE_FORMAT},
            description="INSEE code of the commune to search around: nearest first, with the "
            "distance.",
        ),
    ] = None,
    radius_km: Annotated[
        float, Query(gt=0, le=200, description="Radius around `commune`, in km.")
    ] = 30.0,
    min_salary_eur: Annotated[
        int | None,
        Query(ge=0, le=1_000_000, description="Offers that can pay at least this, gross monthly."),
    ] = None,
    q: Annotated[
        str | None,
        Query(max_length=200, description="Words of the title (all of them, accents optional)."),
    ] = None,
    page: Page = 1,
    page_size: PageSize = 20,
) -> OfferPage:
    """Open offers, newest first; around a commune, nearest first with their distance."""
    body = await services.json(
        "offers",
        "GET",
        "/offers",
        me,
        params={
            "rome": [code for code in rome if code] or None,
            "contract": [c.value for c in contract] or None,
            "commune": commune,
            "radius_km": radius_km,
            "min_salary_eur": min_salary_eur,
            "q": q,
            "page": page,
            "page_size": page_size,
        },
    )
    return OfferPage.model_validate(body)


@router.post(
    "",
    status_code=201,
    responses={
        200: {"model": OfferView, "description": "The same offer was already published."},
        **responses(409, s409="Another offer has this id, with other facts."),
    },
)
async def publish_offer(
    offer: OfferIn, me: Caller, services: Services, response: Response
) -> OfferView:
    """Publish an offer: matching seekers hear of it within seconds."""
    body = await services.relayed(
        "offers",
        "POST",
        "/offers",
        me,
        response,
        json=offer.model_dump(mode="json", exclude_unset=True),
    )
    return OfferView.model_validate(body)


async def offer_details(
    offer_id: str, me: Principal, services: Upstreams, names: Names
) -> OfferDetails:
    """The offer with names and how to apply; for a seeker with a profile, the distance from
    home and what their profile lacks."""
    view = OfferView.model_validate(await services.json("offers", "GET", f"/offers/{offer_id}", me))
    profile = None
    if me.role is Role.SEEKER:
        try:
            body = await services.json("profiles", "GET", f"/seekers/{me.sub}/profile", me)
        except HTTPException as error:
            # No profile yet, or the profiles service cannot answer now: the offer all the same.
            if error.status_code not in (
                status.HTTP_404_NOT_FOUND,
                status.HTTP_502_BAD_GATEWAY,
                status.HTTP_503_SERVICE_UNAVAILABLE,
            ):
                raise
        else:
            profile = StoredProfileOut.model_validate(body).profile
    return details_of(view, names, profile)


@router.get("/{offer_id}", responses=OFFER)
async def get_offer(offer_id: Id, me: Caller, services: Services, names: NamesOf) -> OfferDetails:
    """An offer, open or closed (`status`: a closed one says so, with `closed_reason` and
    `closed_at`, rather than vanishing from a link): its description, employer, salary, place,
    required skills and how to apply: France Travail's page (or the partner's) for imported
    offers; through Tremplin for employers' offers (`how_to_apply.channel` `tremplin`: apply with
    `POST /v1/me/offers/{offer_id}/applications`). For a seeker
    with a profile, also the distance from home and what their profile does not mention."""
    return await offer_details(offer_id, me, services, names)


@router.patch("/{offer_id}", responses=CHANGE)
async def change_offer(
    offer_id: Id, patch: OfferPatch, me: Caller, services: Services
) -> OfferView:
    """Change your offer: each field given replaces its value whole; seekers are told again
    only if something that matters to them changed."""
    body = await services.json(
        "offers",
        "PATCH",
        f"/offers/{offer_id}",
        me,
        json=patch.model_dump(mode="json", exclude_unset=True),
    )
    return OfferView.model_validate(body)


@router.post("/{offer_id}/close", responses=CHANGE)
async def close_offer(offer_id: Id, closing: Closure, me: Caller, services: Services) -> OfferView:
    """Close your offer: filled or withdrawn. Closing it again changes nothing."""
    body = await services.json("offers", "POST", f"/offers/{offer_id}/close", me, json=closing)
    return OfferView.model_validate(body)


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"type": "array", "items": {"type": "object"}},
                        SearchResponse.model_json_schema(),
                    ]
                }
            },
            JSON_LINES[0]: {
                "schema": {"type": "string", "description": "One France Travail record a line."}
            },
        },
        "description": "France Travail offers (Offres d'emploi v2 records) as you hold them: a "
        'JSON array, the API\'s search response saved as it is (`{"resultats": [...]}`), or '
        "JSON lines (`application/x-ndjson`, one record a line).",
    }
}


async def records_in(request: Request) -> list[Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    text = (await request.body()).decode("utf-8", "replace")
    try:
        if media_type in JSON_LINES:
            return parse_json_lines(text)
        document = json.loads(text)
        if isinstance(document, dict):
            return SearchResponse.model_validate(document).resultats
        if isinstance(document, list) and all(isinstance(r, dict) for r in document):
            return document
    except (json.JSONDecodeError, NotRecordsError, ValueError):
        pass
    raise RequestValidationError(
        [
            {
                "loc": ("body",),
                "msg": "send a JSON array of records, France Travail's search response "
                '({"resultats": [...]}), or JSON lines (Content-Type: application/x-ndjson)',
                "type": "value_error",
            }
        ]
    )


@router.post(
    "/import",
    openapi_extra=IMPORT_BODY,
    responses=responses(413, 422, s413="Over the import's size or record limits."),
)
async def import_offers(request: Request, me: Caller, services: Services) -> ImportResult:
    """Import offers in France Travail's format; each rejected record says why."""
    records = await records_in(request)
    body = await services.json("offers", "POST", "/offers/import", me, json=records, timeout=120)
    return ImportResult.model_validate(body)
