"""Composition root of the profiles service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from profiles import api, handlers
from profiles.config import Settings
from profiles.indexes import INDEXES
from profiles.store import ProfileStore
from refdata import get_referential
from servicekit.app import create_service_app
from servicekit.broker import make_broker
from servicekit.service_lifespan import woken_relays
from servicekit.service_opening import opened_service
from servicekit.settings import settings_or_exit


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_or_exit("profiles", Settings)
    broker = make_broker(settings.kafka, "profiles")
    handlers.subscribe(broker, settings.kafka, settings.kafka.topic_suffix)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.referential = get_referential()
        async with opened_service(app, broker, settings, settings.database, INDEXES) as database:
            app.state.store = ProfileStore(database)
            [app.state.relay] = woken_relays(
                broker, settings.kafka.topic_suffix, app.state.store.profiles
            )
            yield

    app = create_service_app(
        name="profiles",
        description="Job seekers' profiles; publishes profile-updated and profile-deleted.",
        lifespan=lifespan,
        background=lambda app: [app.state.relay.run()],
    )
    app.include_router(api.router)
    return app


app = create_app()
