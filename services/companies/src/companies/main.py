"""Composition root of the companies service."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from companies import api, applications_api
from companies.applications_store import ApplicationStore
from companies.catalogue import Catalogue
from companies.config import Settings
from companies.erasure import forget_seekers
from companies.handlers import subscribe
from companies.indexes import INDEXES
from companies.ledger import Ledger
from companies.reference import load_reference_establishments, load_sectors
from companies.seekers import SeekerNeeds
from companies.store import EstablishmentStore
from companies.suggestions import Rankings
from servicekit.app import create_service_app
from servicekit.broker import make_broker
from servicekit.periodic_work import repeat_every
from servicekit.service_lifespan import woken_relays
from servicekit.service_opening import opened_service
from servicekit.settings import settings_or_exit

log = logging.getLogger(__name__)


async def refresh(app: FastAPI) -> None:
    await app.state.catalogue.load(app.state.store)
    await app.state.ledger.load()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_or_exit("companies", Settings)
    broker = make_broker(settings.kafka, "companies")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.sectors = await asyncio.to_thread(load_sectors)
        async with opened_service(app, broker, settings, settings.database, INDEXES) as database:
            app.state.store = store = EstablishmentStore(database)
            app.state.applications = applications = ApplicationStore(database)
            [app.state.relay] = woken_relays(
                broker, settings.kafka.topic_suffix, applications.applications
            )
            app.state.catalogue = catalogue = Catalogue()
            app.state.rankings = Rankings()
            if settings.load_reference_at_start and await store.is_empty():
                await load_reference_establishments(store, catalogue, settings.establishments_file)
            await catalogue.load(store)
            app.state.ledger = Ledger(store, settings.attention_period_days)
            await app.state.ledger.load()

            app.state.seekers = seekers = SeekerNeeds(database)

            async def forget(seeker_ids: list[str]) -> None:
                await forget_seekers(
                    seeker_ids,
                    applications=applications,
                    establishments=store,
                    ledger=app.state.ledger,
                    seekers=seekers,
                )

            subscribe(broker, forget, settings.kafka.topic_suffix, seekers.remember)
            await broker.start()
            try:
                yield
            finally:
                await app.state.ledger.settle()

    app = create_service_app(
        name="companies",
        description="Companies likely to hire (La Bonne Boîte's establishments), for seekers.",
        lifespan=lifespan,
        background=lambda app: [
            app.state.relay.run(),
            # A failed pass is retried at the next; the copy in memory keeps serving meanwhile.
            repeat_every(
                settings.refresh_s,
                lambda: refresh(app),
                log=log,
                failure="companies: refresh failed",
                wait_first=True,
            ),
        ],
    )
    app.include_router(api.router)
    app.include_router(applications_api.router)
    return app


app = create_app()
