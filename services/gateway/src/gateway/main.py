"""Composition root of the gateway: the single public door of the platform."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway import problems
from gateway.access_log import AccessLog
from gateway.config import Settings
from gateway.handlers import Forgets, subscribe
from gateway.indexes import INDEXES
from gateway.limits import LimitsMiddleware, TokenBuckets
from gateway.names import load_names
from gateway.routes import (
    applications,
    companies,
    counsellor,
    me,
    offer_applications,
    offers,
    ops,
    trainings,
)
from gateway.shared_limits import COLLECTION as USAGE
from gateway.shared_limits import SharedUsage
from gateway.tokens import TokenVerifier
from gateway.upstream import Upstreams
from gateway.web import mount as mount_web_pages
from gateway.web.oidc import IdentityProvider
from gateway.web.sessions import WebSessions, sweep_sessions
from servicekit.app import create_service_app, kafka_and_mongo
from servicekit.broker import make_broker
from servicekit.data import Database
from servicekit.mongo import MongoClient
from servicekit.settings import settings_or_exit

# Profiles, matches, offers, trainings and operations: the fuzz tests check request bodies
# against the models of these very routers.
JOURNEY_ROUTERS = (
    me.router,
    counsellor.caseload,
    counsellor.counsellor,
    offers.router,
    trainings.router,
    trainings.proposals,
    ops.ops,
)
# Companies and the applications to them and to employers' offers.
EMPLOYMENT_ROUTERS = (
    companies.me,
    companies.caseload,
    companies.ops,
    applications.me,
    applications.caseload,
    applications.ops,
    offer_applications.me,
    offer_applications.employer,
    offer_applications.caseload,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or settings_or_exit("gateway", Settings)
    broker = make_broker(settings.kafka, "gateway")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.upstreams = Upstreams(settings)
        app.state.names = await asyncio.to_thread(load_names)

        # What holds seekers and forgets them on their erasure; the web sessions join once the
        # database is open (the subscription is made before the broker starts): erasures wait.
        erased_from: list[Forgets] = []
        complete = asyncio.Event()

        def forget_erased_seekers(client: MongoClient) -> None:
            app.state.access_log = AccessLog(client[settings.database])
            erased_from.append(app.state.access_log)
            subscribe(broker, erased_from, settings.kafka.topic_suffix, complete=complete)

        async with kafka_and_mongo(app, broker, settings.mongo, forget_erased_seekers) as client:
            database = await Database.open(client[settings.database], settings.mongo.engine)
            app.state.web_sessions = WebSessions(database)
            erased_from.append(app.state.web_sessions)
            complete.set()
            shared = SharedUsage(
                database.documents(USAGE),
                {"token": per_token, "address": per_address},
                settings.limits_sync_s,
            )
            if settings.mongo.indexes_at_start:
                await INDEXES.build_in(database)
            sharing = asyncio.create_task(shared.run(), name="shared-limits")
            try:
                yield
            finally:
                sharing.cancel()
                await asyncio.gather(sharing, return_exceptions=True)
                await app.state.upstreams.close()

    app = create_service_app(
        name="gateway",
        description=(
            "The single door of Tremplin for mobile apps, counsellors, employers and operators. "
            "Authenticate with an OAuth2 bearer token (OpenID Connect). Every error is a "
            "problem (RFC 9457, `application/problem+json`) whose `errors` name the fields to "
            "fix; each operation lists the statuses it can answer."
        ),
        lifespan=lifespan,
        background=lambda app: [sweep_sessions(app, settings.web_session_sweep_s)],
    )
    app.state.settings = settings
    app.state.verifier = TokenVerifier(settings)
    app.state.identity_provider = IdentityProvider(settings) if settings.web_sign_in else None
    if settings.dev_issuer:  # development only: never in production, nor in its document
        app.include_router(problems.declare(ops.auth))
    for router in (*JOURNEY_ROUTERS, *EMPLOYMENT_ROUTERS):
        app.include_router(problems.declare(router))
    problems.install(app)
    mount_web_pages(app, settings)
    per_token = TokenBuckets(settings.rate_per_token, settings.burst_per_token)
    per_address = TokenBuckets(settings.rate_per_address, settings.burst_per_address)
    app.state.web_buckets = (per_token, per_address)  # the pages share the /v1 limits
    app.add_middleware(
        LimitsMiddleware,
        per_token=per_token,
        per_address=per_address,
        max_body=settings.max_body_bytes,
        max_import_body=settings.max_import_body_bytes,
    )
    return app


app = create_app()
