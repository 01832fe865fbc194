"""Internal HTTP API of the offers service (the gateway exposes it to employers and apps)."""

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status

from contracts.offer_import import NotRecordsError, SearchResponse, records_of
from contracts.offers import (
    Closure,
    ImportResult,
    OfferPage,
    OfferPatch,
    OfferStatus,
    OfferView,
    PlaceIn,
    RejectedRecord,
)
from contracts.vocabulary import ContractType
from offers.config import Settings
from offers.domain.employer import offer_from_input
from offers.domain.france_travail import offer_from_france_travail
from offers.domain.offer import ROME_PATTERN, InvalidOffer, Offer, OfferIn, ReferenceData
from offers.search import Around, OfferSearch, search_offers, title_words
from offers.store import OfferExistsError, OfferStore, StoredOffer
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.data import ConcurrentUpdateError
from servicekit.outbox import OutboxRelay
from servicekit.route_support import (
    described,
    from_state,
    is_staff,
    relay_from_state,
    unprocessable,
)

router = APIRouter(prefix="/offers", tags=["offers"])

MAX_PAGE_SIZE = 100


Store = Annotated[OfferStore, Depends(from_state("store"))]
Relay = Annotated[OutboxRelay, Depends(relay_from_state())]
Reference = Annotated[ReferenceData, Depends(from_state("reference"))]
Config = Annotated[Settings, Depends(from_state("settings"))]

NOT_YOURS = described({403: "Not your offer.", 404: "No such offer."})
NO_SUCH_OFFER = described({404: "No such offer."})


class Writing:
    """What a write of offers needs: the store, the relay of its events, the reference data and
    the settings."""

    def __init__(self, store: Store, relay: Relay, reference: Reference, settings: Config) -> None:
        self.store = store
        self.relay = relay
        self.reference = reference
        self.settings = settings


Writes = Annotated[Writing, Depends()]


def view(stored: StoredOffer) -> OfferView:
    return OfferView.model_validate(stored, from_attributes=True)


def no_such_offer(offer_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"No offer with id {offer_id!r}.")


def may_change(caller: Principal, offer: Offer) -> bool:
    if is_staff(caller):
        return True
    return caller.role is Role.EMPLOYER and offer.employer_id == caller.sub


async def offer_to_change(store: OfferStore, offer_id: str, caller: Principal) -> StoredOffer:
    stored = await store.get(offer_id)
    if stored is None:
        raise no_such_offer(offer_id)
    if not may_change(caller, stored.offer):
        raise forbid("Only the employer who published this offer, or an operator, may change it.")
    return stored


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": OfferView, "description": "The same offer was already published."},
        **described(
            {
                403: "Only employers, operators and services publish offers.",
                409: "Another offer already has this id.",
            }
        ),
    },
)
async def publish_offer(
    offer_in: OfferIn, caller: Caller, writes: Writes, response: Response
) -> OfferView:
    """Publish an offer (`offer-published`, version 1); the same offer again is harmless."""
    if caller.role is not Role.EMPLOYER and not is_staff(caller):
        raise forbid("Only employers, operators and services publish offers.")
    now = datetime.now(UTC)
    try:
        offer = offer_from_input(
            offer_in,
            writes.reference,
            offer_id=offer_in.id or uuid.uuid4().hex,
            employer_id=caller.sub if caller.role is Role.EMPLOYER else None,
            created_at=now,
            now=now,
            validity_days=writes.settings.validity_days,
        )
        saved = await writes.store.publish(offer, offer_in.application_email)
    except InvalidOffer as error:
        raise unprocessable("body", error.field, error.reason) from None
    except OfferExistsError:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"An offer with id {offer_in.id!r} exists with other facts; "
            f"change it with PUT /offers/{offer_in.id}.",
        ) from None
    except ConcurrentUpdateError:
        raise HTTPException(status.HTTP_409_CONFLICT, "The offer changed meanwhile.") from None
    if saved.published:
        writes.relay.wake([offer.id])
    if not saved.created:
        response.status_code = status.HTTP_200_OK
    return view(saved.stored)


CHANGE_RESPONSES = {
    **NOT_YOURS,
    **described({409: "The offer is closed, or changed at the same time."}),
}


async def change(current: StoredOffer, offer_in: OfferIn, writes: Writing) -> OfferView:
    """The offer's new facts, stored (and published when they matter) if it is still open."""
    if current.status is not OfferStatus.OPEN:
        raise HTTPException(status.HTTP_409_CONFLICT, "A closed offer cannot change.")
    offer_id = current.offer.id
    try:
        offer = offer_from_input(
            offer_in,
            writes.reference,
            offer_id=offer_id,
            employer_id=current.offer.employer_id,
            created_at=current.offer.created_at,
            now=datetime.now(UTC),
            validity_days=writes.settings.validity_days,
        )
        saved = await writes.store.replace(
            offer, expected_version=current.version, application_email=offer_in.application_email
        )
    except InvalidOffer as error:
        raise unprocessable("body", error.field, error.reason) from None
    except ConcurrentUpdateError:
        raise HTTPException(
            status.HTTP_409_CONFLICT, "The offer changed or closed meanwhile; read it again."
        ) from None
    if saved.published:
        writes.relay.wake([offer_id])
    return view(saved.stored)


@router.put("/{offer_id}", responses=CHANGE_RESPONSES)
async def update_offer(
    offer_id: str, offer_in: OfferIn, caller: Caller, writes: Writes
) -> OfferView:
    """Replace an open offer's facts; a material change publishes the next version."""
    if offer_in.id is not None and offer_in.id != offer_id:
        raise unprocessable("body", "id", f"differs from the offer id in the path, {offer_id!r}")
    current = await offer_to_change(writes.store, offer_id, caller)
    return await change(current, offer_in, writes)


def as_input(offer: Offer) -> dict[str, Any]:
    """The stored offer in the form an employer sends (its validity kept)."""
    facts = offer.model_dump(include=set(OfferIn.model_fields) - {"place"})
    place = PlaceIn.model_validate(offer.place.model_dump(include=set(PlaceIn.model_fields)))
    return {**facts, "place": place}


@router.patch("/{offer_id}", responses=CHANGE_RESPONSES)
async def patch_offer(
    offer_id: str, patch: OfferPatch, caller: Caller, writes: Writes
) -> OfferView:
    """Change some fields of an open offer: each given field replaces its value whole."""
    current = await offer_to_change(writes.store, offer_id, caller)
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}
    kept = {"application_email": await writes.store.application_email(offer_id)}
    offer_in = OfferIn.model_validate({**as_input(current.offer), **kept, **changes})
    return await change(current, offer_in, writes)


@router.post("/{offer_id}/close", responses=NOT_YOURS)
async def close_offer(
    offer_id: str, closure: Closure, caller: Caller, store: Store, relay: Relay
) -> OfferView:
    """Close an offer, filled or withdrawn (`offer-closed`); closing it again changes nothing."""
    await offer_to_change(store, offer_id, caller)
    saved = await store.close(offer_id, closure.reason, datetime.now(UTC))
    if saved is None:
        raise no_such_offer(offer_id)
    if saved.published:
        relay.wake([offer_id])
    return view(saved.stored)


@router.get("/{offer_id}", responses=NO_SUCH_OFFER)
async def get_offer(offer_id: str, caller: Caller, store: Store) -> OfferView:
    """An offer, open or closed: a link a seeker kept says the offer closed instead of vanishing
    (`status`, `closed_reason`, `closed_at`)."""
    stored = await store.get(offer_id)
    if stored is None:
        raise no_such_offer(offer_id)
    return view(stored)


@router.get("", responses=described({422: "An unknown commune, or a bad parameter."}))
async def search(
    caller: Caller,
    store: Store,
    reference: Reference,
    rome: Annotated[
        list[Annotated[str, Query(pattern=ROME_PATTERN)]],
        Query(description="ROME codes of the occupation; repeat for several."),
    ] = [],  # noqa: B006 (FastAPI copies query defaults)
    contract: Annotated[
        list[ContractType], Query(description="Contract types; repeat for several.")
    ] = [],  # noqa: B006
    commune: Annotated[
        str | None, Query(description="INSEE code of the commune to search around.")
    ] = None,
    radius_km: Annotated[
        float, Query(gt=0, le=200, description="Search radius around `commune`, in km.")
    ] = 30.0,
    min_salary_eur: Annotated[
        int | None, Query(ge=0, le=1_000_000, description="Offers that can pay this, monthly.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words of the title, all of them.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> OfferPage:
    """Open offers, newest first, or nearest first around a commune (with their distance)."""
    around = None
    if commune is not None:
        found = reference.commune(commune)
        if found is None or found.latitude is None or found.longitude is None:
            raise unprocessable("query", "commune", f"unknown commune {commune!r}")
        around = Around(found.latitude, found.longitude, radius_km)
    query = OfferSearch(
        rome_codes=tuple(rome),
        contract_types=tuple(contract),
        around=around,
        min_salary_eur=min_salary_eur,
        words=title_words(q or ""),
        page=page,
        page_size=page_size,
    )
    return await search_offers(store.offers, query)


@router.post(
    "/import",
    responses=described(
        {
            403: "Only operators and services import offers.",
            413: "Too many records in one request.",
        }
    ),
)
async def import_offers(
    body: Annotated[
        list[Any] | SearchResponse,
        Body(
            description="Records in France Travail's Offres d'emploi v2 format: an array, or "
            'the search response of its API as downloaded (`{"resultats": [...]}`).'
        ),
    ],
    caller: Caller,
    writes: Writes,
) -> ImportResult:
    """Import France Travail records: invalid ones are reported one by one, valid ones kept.

    Importing the same offers again publishes nothing; a changed offer publishes its next version.
    """
    if not is_staff(caller):
        raise forbid("Only operators and services import offers.")
    try:
        records = records_of(body.model_dump() if isinstance(body, SearchResponse) else body)
    except NotRecordsError as error:
        raise unprocessable("body", "", str(error)) from None
    most = writes.settings.import_max_records
    if len(records) > most:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{len(records)} records; send at most {most} per request.",
        )
    now = datetime.now(UTC)
    offers: list[tuple[int, Offer]] = []
    rejected: list[RejectedRecord] = []
    for index, record in enumerate(records):
        try:
            offer = offer_from_france_travail(
                record, writes.reference, now=now, validity_days=writes.settings.validity_days
            )
        except InvalidOffer as error:
            record_id = record.get("id") if isinstance(record, dict) else None
            rejected.append(
                RejectedRecord(
                    index=index,
                    id=record_id if isinstance(record_id, str) else None,
                    field=error.field,
                    reason=error.reason,
                )
            )
        else:
            offers.append((index, offer))
    report = await writes.store.import_offers(offers)
    if report.queued:
        writes.relay.wake(report.queued)
    rejected.extend(RejectedRecord.model_validate(r, from_attributes=True) for r in report.rejected)
    rejected.sort(key=lambda r: r.index)
    return ImportResult.model_validate({**vars(report), "rejected": rejected})
