"""Composition root of the recommender service."""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from recommender import api
from recommender.config import Settings
from recommender.consumers import subscribe
from recommender.domain.engine import MatchingEngine
from recommender.domain.occupations import OccupationGraph
from recommender.erasure import ErasureSweep
from recommender.ownership import load_offers
from recommender.repositories import open_repositories
from recommender.service import Recommender
from recommender.slices import StopIsNoError
from refdata import Referential, get_referential
from servicekit.app import create_service_app, gate_check, kafka_check, mongo_check
from servicekit.broker import make_broker
from servicekit.data import Database
from servicekit.kafka_gate import KafkaGate, watched
from servicekit.mongo import mongo_client
from servicekit.outbox import OutboxRelay
from servicekit.settings import settings_or_exit

log = logging.getLogger(__name__)


def build_engine(settings: Settings, referential: Referential) -> MatchingEngine:
    neighbours = {rome: referential.neighbours(rome) for rome in referential.occupations}
    graph = OccupationGraph(
        neighbours, top=settings.neighbours_top, threshold=settings.neighbours_threshold
    )
    return MatchingEngine(graph, settings.min_score, labels=dict(referential.occupations))


def create_app(
    settings: Settings | None = None,
    referential: Referential | None = None,
    after_publish: Callable[[list[str]], Awaitable[None]] | None = None,
) -> FastAPI:
    """The service; `after_publish` hears of each batch of events the outbox relay published,
    before it leaves the outbox (where a harness injects a crash)."""
    settings = settings or settings_or_exit("recommender", Settings)
    broker = make_broker(settings.kafka, "recommender")
    logging.getLogger("recommender.kafka").addFilter(StopIsNoError())  # the broker's logger

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = build_engine(settings, referential or get_referential())
        async with mongo_client(settings.mongo) as client:
            database = await Database.open(client[settings.database], settings.mongo.engine)
            seekers, offers = await open_repositories(database, settings.mongo.indexes_at_start)
            recommender = Recommender(seekers, offers, engine, settings)
            await load_offers(recommender)
            relay = OutboxRelay(
                seekers.documents,
                broker,
                settings.kafka.topic_suffix,
                scope=lambda: {"partition": {"$in": sorted(recommender.owned)}},
                after_publish=after_publish,
            )
            recommender.on_published.append(relay.wake)
            recommender.settle_relay = relay.settle
            # Every write names the documents it queued events in: the relay reads just those, and
            # scans the collection only at start and on its schedule (a scan is slow here).
            relay.wake([])
            sweep = ErasureSweep(seekers, offers)
            app.state.recommender = recommender
            app.state.relay = relay
            app.state.erasure_sweep = sweep
            # Subscribed only once the engine holds the open offers; seekers are loaded as the
            # partitions of profile-updated are assigned, before any of their events is handled.
            subscribe(
                broker,
                recommender,
                sweep,
                settings.group_id,
                settings.kafka.topic_suffix,
                settings.batches,
                replica_id=settings.replica_id,
            )
            await broker.start()
            try:
                await asyncio.wait_for(recommender.assigned.wait(), settings.ready_timeout_s)
            except TimeoutError:
                log.warning("no partition of profile-updated assigned yet; serving meanwhile")
            try:
                async with watched(app, KafkaGate(kafka_check(broker))) as gate:
                    app.state.health_checks = {"mongo": mongo_check(client)}
                    app.state.optional_checks = {"kafka": gate_check(gate)}
                    yield
            finally:
                # Stops fetching, lets each subscriber finish and commit its batch, then leaves
                # the groups. What the last batches queued is relayed by the partitions' next
                # owner, or by this replica when it starts again.
                recommender.stopping = True
                await broker.stop()

    app = create_service_app(
        name="recommender",
        description="Explainable, incremental matching of seekers and offers.",
        lifespan=lifespan,
        background=lambda app: [app.state.relay.run(), app.state.erasure_sweep.run()],
    )
    app.state.internal_auth = settings.internal_auth
    app.include_router(api.router)
    return app


app = create_app()
