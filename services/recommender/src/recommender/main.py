"""Composition root of the recommender service."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from recommender import api
from recommender.config import Settings
from recommender.consumers import subscribe
from recommender.domain.engine import MatchingEngine
from recommender.domain.occupations import OccupationGraph
from recommender.service import Recommender
from recommender.store import RecommenderStore
from refdata import Referential, get_referential
from servicekit.app import create_service_app, kafka_check, mongo_check
from servicekit.broker import make_broker
from servicekit.mongo import mongo_client
from servicekit.outbox import OutboxRelay


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
            await store.prepare()
            recommender = Recommender(store, engine, settings)
            await recommender.rebuild()
            relay = OutboxRelay(
                store.seekers,
                broker,
                settings.kafka.topic_suffix,
                document_locks=recommender.locks,
            )
            recommender.on_published.append(relay.wake)
            app.state.recommender = recommender
            app.state.relay = relay
            # Subscribed only once the engine holds the read models: no event meets an empty index.
            subscribe(broker, recommender, settings.group_id, settings.kafka.topic_suffix)
            await broker.start()
            app.state.health_checks = {"kafka": kafka_check(broker), "mongo": mongo_check(client)}
            try:
                yield
            finally:
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
