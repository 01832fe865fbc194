"""Internal HTTP API of the companies service (the gateway exposes it to seekers, counsellors
and operators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from companies.catalogue import Catalogue
from companies.config import Settings
from companies.domain.attention import capacity, distribution
from companies.importing import import_rows
from companies.ledger import Ledger
from companies.seekers import SeekerNeeds
from companies.store import EstablishmentStore
from companies.suggestions import Rankings, companies_for
from contracts.companies import (
    AttentionReport,
    CompaniesQuery,
    CompanyImportResult,
    CompanyList,
)
from refdata import Sectors, read_establishment_rows
from servicekit.auth import Caller, Principal, Role, forbid
from servicekit.route_support import described, document_import_route, is_staff

router = APIRouter(prefix="/companies", tags=["companies"])
FOR_THEMSELVES = described({403: "A seeker asks for themselves only."})


class State:
    def __init__(self, request: Request) -> None:
        state = request.app.state
        self.settings: Settings = state.settings
        self.store: EstablishmentStore = state.store
        self.catalogue: Catalogue = state.catalogue
        self.ledger: Ledger = state.ledger
        self.sectors: Sectors = state.sectors
        self.rankings: Rankings = state.rankings
        self.seekers: SeekerNeeds = state.seekers


Service = Annotated[State, Depends(State)]


def may_see(caller: Principal, seeker_id: str) -> None:
    if caller.role is Role.SEEKER and caller.sub != seeker_id:
        raise forbid("You may ask for your own companies only.")
    if caller.role is Role.EMPLOYER:
        raise forbid("Employers do not see seekers' suggestions.")


@document_import_route(
    router,
    ["text/csv"],
    "Establishments in La Bonne Boîte's format (a header line, then rows).",
    {
        403: "Only operators import companies.",
        413: "More rows than one request may carry.",
        422: "Not a file in La Bonne Boîte's format.",
    },
)
async def import_companies(
    request: Request, caller: Caller, service: Service
) -> CompanyImportResult:
    """Import establishments; known ones are refreshed, the same ones again change nothing."""
    if not is_staff(caller):
        raise forbid("Only operators import companies.")
    raw = await request.body()
    try:
        rows = list(read_establishment_rows(raw))
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None
    if len(rows) > service.settings.import_max_rows:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"{len(rows)} rows: send at most {service.settings.import_max_rows} per request.",
        )
    report = await import_rows(rows, service.store, service.catalogue)
    return CompanyImportResult.model_validate(report, from_attributes=True)


@router.post("/for-seeker", responses=FOR_THEMSELVES)
async def for_seeker(query: CompaniesQuery, caller: Caller, service: Service) -> CompanyList:
    """Companies likely to hire this seeker, best first, each with its reasons.

    Counsellors reach this through the gateway, which checked the seeker is in their caseload.
    """
    may_see(caller, query.seeker_id)
    return await companies_for(
        query,
        sectors=service.sectors,
        catalogue=service.catalogue,
        ledger=service.ledger,
        seekers_per_hire=service.settings.seekers_per_hire,
        rankings=service.rankings,
    )


@router.get(
    "/for-seeker/{seeker_id}",
    responses={
        **FOR_THEMSELVES,
        **described({404: "No profile of this seeker has reached the service yet."}),
    },
)
async def for_known_seeker(
    seeker_id: str,
    caller: Caller,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> CompanyList:
    """The same, for a seeker whose needs the service holds from `profile-updated`: the
    gateway then need not read the profile first. A 404 sends it the long way."""
    may_see(caller, seeker_id)
    query = await service.seekers.query_for(seeker_id, limit)
    if query is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No profile of this seeker here yet.")
    return await for_seeker(query, caller, service)


@router.get("/attention", responses=described({403: "Operators only."}))
async def attention(caller: Caller, service: Service) -> AttentionReport:
    """How attention is spread this period: each company's seekers against its capacity."""
    if not is_staff(caller):
        raise forbid("Only operators see how attention is spread.")
    ledger = service.ledger
    period = ledger.current_period()
    shown = ledger.shown_to()
    capacities = {
        siret: capacity(place.hiring_potential, service.settings.seekers_per_hire)
        for siret in shown
        if (place := service.catalogue.by_siret.get(siret)) is not None
    }
    spread = distribution(shown, capacities)
    return AttentionReport.model_validate(
        {
            **vars(spread),
            "period": period,
            "seekers": len(ledger.shown_to_seeker),
            "busiest": [
                {"siret": siret, "seekers": seekers, "capacity": room}
                for siret, seekers, room in spread.busiest
            ],
        }
    )
