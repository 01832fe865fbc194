"""Composition root of the trainings service."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from refdata import get_lheo_dictionaries, get_referential
from servicekit.app import create_service_app
from servicekit.broker import make_broker
from servicekit.service_lifespan import woken_relays
from servicekit.service_opening import opened_service
from servicekit.settings import settings_or_exit
from trainings import api
from trainings.config import Settings
from trainings.handlers import subscribe
from trainings.importing import vocabulary
from trainings.indexes import INDEXES
from trainings.recommendations import RecommendationStore
from trainings.store import SessionStore
from trainings.sweep import sweep_forever


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_or_exit("trainings", Settings)
    broker = make_broker(settings.kafka, "trainings")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reference, dictionaries = await asyncio.gather(
            asyncio.to_thread(get_referential), asyncio.to_thread(get_lheo_dictionaries)
        )
        app.state.vocabulary = vocabulary(reference, dictionaries)
        async with opened_service(app, broker, settings, settings.database, INDEXES) as database:
            app.state.store = SessionStore(database)
            app.state.recommendations = RecommendationStore(database)
            app.state.relays = woken_relays(
                broker,
                settings.kafka.topic_suffix,
                app.state.store.sessions,
                app.state.recommendations.recommendations,
                sweep_interval_s=settings.relay_sweep_interval_s,
            )
            app.state.relay, app.state.recommendation_relay = app.state.relays
            subscribe(broker, app.state.recommendations, settings.kafka.topic_suffix)
            await broker.start()
            yield

    app = create_service_app(
        name="trainings",
        description="Training sessions imported from LHEO, proposed to seekers and recommended by "
        "their counsellors: training-published, training-closed, training-recommended.",
        lifespan=lifespan,
        background=lambda app: [
            *(relay.run() for relay in app.state.relays),
            sweep_forever(app.state.store, app.state.relay, settings.sweep_interval_s),
        ],
    )
    app.include_router(api.router)
    return app


app = create_app()
