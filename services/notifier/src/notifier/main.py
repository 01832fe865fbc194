"""Composition root of the notifier service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from notifier import api
from notifier.application_mail import ApplicationMail
from notifier.channels import EmailSender, Sender, WebhookSender
from notifier.company_mail import COMPANY_LETTER
from notifier.config import Settings
from notifier.contacts import ContactDirectory, HttpContactDirectory
from notifier.domain.model import Channel, Clock, SystemClock
from notifier.handlers import subscribe
from notifier.indexes import INDEXES
from notifier.live import LiveFeed, LiveHub
from notifier.offer_mail import OFFER_LETTER
from notifier.service import Notifier
from notifier.store import NotifierStore
from refdata import Names, get_names
from refdata.readers import read_tension as read_tension_table
from refdata.settings import RefdataSettings
from refdata.sources import locate_data_dir
from servicekit.app import create_service_app
from servicekit.broker import make_broker
from servicekit.service_lifespan import service_database
from servicekit.settings import settings_or_exit

log = logging.getLogger(__name__)

# The settings the notifier takes under their own names.
NOTIFIER_SETTINGS = {
    "instance_id",
    "max_attempts",
    "retry_base_s",
    "retry_cap_s",
    "lease_s",
    "auto_release_hours",
    "digest_hour",
    "min_tension_pct",
    "inactive_days",
    "counsellor_digest_max_lines",
}


def read_tension() -> dict[str, float]:
    """Hiring difficulty per occupation; without the reference data, digests show no matches."""
    try:
        return read_tension_table(locate_data_dir(RefdataSettings()))
    except Exception:
        log.warning("hiring difficulty unavailable: digests list inactive seekers only")
        return {}


def read_names() -> Names | None:
    """Occupation names for the reasons; without the reference data, reasons show ROME codes."""
    try:
        return get_names()
    except Exception:
        log.warning("reference data unavailable: alerts name occupations by their ROME codes")
        return None


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    contacts: ContactDirectory | None = None,
    background: bool = True,
    tension: Mapping[str, float] | None = None,
    names: Names | None = None,
) -> FastAPI:
    """`background=False` leaves delivery workers and sweeps to the caller (tests drive them)."""
    settings = settings or settings_or_exit("notifier", Settings)
    clock = clock or SystemClock()
    broker = make_broker(settings.kafka, "notifier")
    hub = LiveHub()
    live = LiveFeed(hub, broker, settings.kafka)
    directory = contacts or HttpContactDirectory(
        settings.profiles_url, settings.internal_auth, settings.contact_cache_s
    )
    push = WebhookSender(
        settings.push_webhook_url, settings.push_webhook_token, settings.webhook_timeout_s, "token"
    )
    sms = WebhookSender(
        settings.sms_webhook_url, settings.sms_webhook_token, settings.webhook_timeout_s, "phone"
    )
    companies = COMPANY_LETTER.deliveries(settings.companies_url, settings.internal_auth)
    offers = OFFER_LETTER.deliveries(settings.offers_url, settings.internal_auth)
    senders: dict[Channel, Sender] = {
        Channel.EMAIL: EmailSender(settings.smtp),
        Channel.PUSH: push,
        Channel.SMS: sms,
    }

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_database(app, broker, settings.mongo, settings.database) as database:
            store = NotifierStore(database)
            if settings.mongo.indexes_at_start:
                await INDEXES.build_in(database)
            if tension is not None:
                difficulty: Mapping[str, float] = tension
            elif settings.load_tension:
                difficulty = await asyncio.to_thread(read_tension)
            else:
                difficulty = {}
            if names is None and settings.load_names:
                named = await asyncio.to_thread(read_names)
            else:
                named = names
            app.state.notifier = Notifier(
                store,
                clock,
                directory,
                senders,
                live,
                default_zone=settings.default_time_zone,
                tension=difficulty,
                names=named,
                **settings.model_dump(include=NOTIFIER_SETTINGS),
            )
            app.state.hub = hub
            app.state.live = live
            app.state.stream_poll_s = settings.stream_poll_s
            app.state.internal_auth = settings.internal_auth
            email = senders[Channel.EMAIL]
            app.state.company_mail = ApplicationMail(
                database.documents("company_mail"), companies, directory, email, COMPANY_LETTER
            )
            app.state.offer_mail = ApplicationMail(
                database.documents("offer_mail"), offers, directory, email, OFFER_LETTER
            )
            subscribe(
                broker,
                app.state.notifier,
                settings.kafka.topic_suffix,
                settings.match_batch_size,
                company_mail=app.state.company_mail,
                offer_mail=app.state.offer_mail,
            )
            await broker.start()
            try:
                yield
            finally:
                await push.close()
                await companies.close()
                await offers.close()
                await sms.close()
                close = getattr(directory, "close", None)
                if close is not None:
                    await close()

    def jobs(app: FastAPI) -> list[Coroutine[Any, Any, None]]:
        notifier: Notifier = app.state.notifier
        work: list[Coroutine[Any, Any, None]] = [live.run()]
        if background:
            work += [notifier.run_sender() for _ in range(settings.senders)]
            work.append(notifier.run_sweeps(settings.sweep_interval_s))
        return work

    app = create_service_app(
        name="notifier",
        description="Timely alerts to seekers and counsellors, respecting their preferences.",
        lifespan=lifespan,
        background=jobs,
    )
    app.include_router(api.router)
    return app


app = create_app()
