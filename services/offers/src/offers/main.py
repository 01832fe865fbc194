"""Composition root of the offers service."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from offers import api, applications_api
from offers.applications_store import ApplicationStore
from offers.config import Settings
from offers.handlers import subscribe
from offers.indexes import INDEXES
from offers.store import OfferStore
from offers.sweep import sweep_forever
from refdata import get_referential
from servicekit.app import create_service_app
from servicekit.broker import make_broker
from servicekit.service_lifespan import woken_relays
from servicekit.service_opening import opened_service
from servicekit.settings import settings_or_exit


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_or_exit("offers", Settings)
    broker = make_broker(settings.kafka, "offers")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.reference = await asyncio.to_thread(get_referential)
        async with opened_service(app, broker, settings, settings.database, INDEXES) as database:
            app.state.store = OfferStore(database)
            app.state.applications = applications = ApplicationStore(database)
            app.state.relays = woken_relays(
                broker,
                settings.kafka.topic_suffix,
                app.state.store.offers,
                applications.applications,
            )
            app.state.relay, app.state.application_relay = app.state.relays

            async def forget(seeker_ids: list[str]) -> None:
                for seeker_id in dict.fromkeys(seeker_ids):
                    await applications.forget_seeker(seeker_id)

            subscribe(broker, forget, settings.kafka.topic_suffix)
            await broker.start()
            yield

    app = create_service_app(
        name="offers",
        description="Job offers from employers and partner feeds (offer-published, offer-closed), "
        "and applications to employers' offers (offer-application-submitted).",
        lifespan=lifespan,
        background=lambda app: [
            *(relay.run() for relay in app.state.relays),
            sweep_forever(app.state.store, app.state.relay, settings.sweep_interval_s),
        ],
    )
    app.include_router(api.router)
    app.include_router(applications_api.router)
    return app


app = create_app()
