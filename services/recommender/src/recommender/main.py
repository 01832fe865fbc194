"""Composition root of the recommender service."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from fastapi import FastAPI
from pymongo.asynchronous.collection import AsyncCollection

from recommender import api
from recommender.config import Settings
from recommender.consumers import subscribe
from recommender.domain.engine import MatchingEngine
from recommender.domain.occupations import OccupationGraph
from recommender.service import Recommender
from recommender.store import Document, OwnedSeekers, RecommenderStore
from refdata import Referential, get_referential
from servicekit.app import create_service_app, kafka_check, mongo_check
from servicekit.broker import make_broker
from servicekit.mongo import mongo_client
from servicekit.outbox import OutboxRelay

log = logging.getLogger(__name__)


def build_engine(settings: Settings, referential: Referential) -> MatchingEngine:
    neighbours = {rome: referential.neighbours(rome) for rome in referential.occupations}
    graph = OccupationGraph(
        neighbours, top=settings.neighbours_top, threshold=settings.neighbours_threshold
    )
    return MatchingEngine(graph, settings.min_score, labels=dict(referential.occupations))


def create_app(settings: Settings | None = None, referential: Referential | None = None) -> FastAPI:
    settings = settings or Settings()
    broker = make_broker(settings.kafka, "recommender")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = build_engine(settings, referential or get_referential())
        async with mongo_client(settings.mongo) as client:
            store = RecommenderStore(client[settings.database])
            await store.prepare(indexes=settings.mongo.indexes_at_start)
            recommender = Recommender(store, engine, settings)
            await recommender.load_offers()
            relay = OutboxRelay(
                cast(
                    "AsyncCollection[Document]",
                    OwnedSeekers(store.seekers, lambda: recommender.owned),
                ),
                broker,
                settings.kafka.topic_suffix,
                document_locks=recommender.locks,
            )
            recommender.on_published.append(relay.wake)
            # Every write names the documents it queued events in: the relay reads just those, and
            # scans the collection only at start and on its schedule (a scan is slow on FerretDB).
            relay.wake([])
            app.state.recommender = recommender
            app.state.relay = relay
            # Subscribed only once the engine holds the open offers; seekers are loaded as the
            # partitions of profile-updated are assigned, before any of their events is handled.
            subscribe(
                broker,
                recommender,
                settings.group_id,
                settings.kafka.topic_suffix,
                replica_id=settings.replica_id,
            )
            await broker.start()
            try:
                await asyncio.wait_for(recommender.assigned.wait(), settings.ready_timeout_s)
            except TimeoutError:
                log.warning("no partition of profile-updated assigned yet; serving meanwhile")
            app.state.health_checks = {"kafka": kafka_check(broker), "mongo": mongo_check(client)}
            try:
                yield
            finally:
                recommender.stopping = True
                await broker.stop()

    app = create_service_app(
        name="recommender",
        description="Explainable, incremental matching of seekers and offers.",
        lifespan=lifespan,
        background=lambda app: [app.state.relay.run()],
    )
    app.include_router(api.router)
    return app


app = create_app()
