"""Employers publish and manage their offers; operators import partner feeds."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from gateway.routes.deps import Id, Services
from gateway.security import Caller

router = APIRouter(prefix="/v1/offers", tags=["offers"])


@router.post("", status_code=201)
async def publish_offer(
    offer: Annotated[dict[str, Any], Body(description="The offer (see the offers service).")],
    me: Caller,
    services: Services,
    response: Response,
) -> Any:
    """Publish an offer: matching seekers hear of it within seconds."""
    upstream = await services.call("offers", "POST", "/offers", me, json=offer)
    body = services.checked("offers", upstream)
    response.status_code = upstream.status_code
    return body


@router.get("/{offer_id}")
async def get_offer(offer_id: Id, me: Caller, services: Services) -> Any:
    """An offer."""
    return await services.json("offers", "GET", f"/offers/{offer_id}", me)


@router.patch("/{offer_id}")
async def change_offer(
    offer_id: Id,
    patch: Annotated[dict[str, Any], Body(description="JSON merge patch of the offer.")],
    me: Caller,
    services: Services,
) -> Any:
    """Change your offer; seekers are told again only if something that matters changed."""
    return await services.json("offers", "PATCH", f"/offers/{offer_id}", me, json=patch)


@router.post("/{offer_id}/close")
async def close_offer(
    offer_id: Id,
    closing: Annotated[dict[str, Any], Body(description="{'reason': 'filled' | 'withdrawn'}")],
    me: Caller,
    services: Services,
) -> Any:
    """Close your offer: filled or withdrawn."""
    return await services.json("offers", "POST", f"/offers/{offer_id}/close", me, json=closing)


@router.post("/import")
async def import_offers(
    records: Annotated[list[dict[str, Any]], Body(description="France Travail-format offers.")],
    me: Caller,
    services: Services,
) -> Any:
    """Import offers in France Travail's format; each rejected record says why."""
    return await services.json("offers", "POST", "/offers/import", me, json=records, timeout=120)
