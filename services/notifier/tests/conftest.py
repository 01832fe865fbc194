"""Fixtures of the notifier's tests: real local servers (profiles, webhooks, SMTP), a clock."""

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contracts import EventPayload, ProfileDeleted, new_envelope
from notifier.config import Settings, SmtpSettings
from notifier.contacts import HttpContactDirectory
from notifier.main import create_app
from servicekit.auth import InternalAuthSettings, Role, read_internal_token
from servicekit.settings import KafkaSettings, MongoSettings

sys.path.insert(0, str(Path(__file__).parent))

from notifier_helpers import (
    TENSION,
    ApplicationsHolder,
    Events,
    FakeClock,
    Harness,
    MailsOfApplications,
    Make,
    Profiles,
    Receiver,
    Rig,
    Smtp,
    Webhooks,
    contact,
    deliveries_served,
    token,
)
from testkit.served import serve
from testkit.smtp_mailbox import Mailbox
from testkit.stack import eventually


@pytest.fixture
def clock() -> FakeClock:
    # A Tuesday at 14:00 in Paris (CET): far from quiet hours.
    return FakeClock(datetime(2026, 1, 13, 13, 0, tzinfo=UTC))


@pytest.fixture
async def webhooks() -> AsyncIterator[Webhooks]:
    push, sms = Receiver(), Receiver()
    app = Starlette(
        routes=[
            Route("/push", push.endpoint, methods=["POST"]),
            Route("/sms", sms.endpoint, methods=["POST"]),
        ]
    )
    async with serve(app) as url:
        yield Webhooks(url, push, sms)


@pytest.fixture
async def profiles() -> AsyncIterator[Profiles]:
    contacts: dict[str, dict[str, Any]] = {}
    calls: list[str] = []
    auth = InternalAuthSettings()
    state = Profiles("", contacts, calls)

    async def channels(request: Request) -> Response:
        if state.down:
            return Response(status_code=503)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        principal = read_internal_token(token, auth)
        if not principal.is_service("notifier"):
            return Response(status_code=403)
        seeker_id = request.path_params["seeker_id"]
        calls.append(seeker_id)
        if seeker_id not in contacts:
            return JSONResponse({"detail": "unknown"}, status_code=404)
        return JSONResponse(contacts[seeker_id])

    async def channels_of(request: Request) -> Response:
        if state.down:
            return Response(status_code=503)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not read_internal_token(token, auth).is_service("notifier"):
            return Response(status_code=403)
        wanted = (await request.json())["seeker_ids"]
        calls.extend(wanted)
        found = {s: contacts[s] for s in wanted if s in contacts}
        return JSONResponse({"channels": found})

    app = Starlette(
        routes=[
            Route("/seekers/channels", channels_of, methods=["POST"]),
            Route("/seekers/{seeker_id}/channels", channels),
        ]
    )
    async with serve(app) as url:
        state.url = url
        yield state


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Smtp("127.0.0.1", port, mailbox)
    finally:
        controller.stop()


@pytest.fixture
async def events(kafka: KafkaSettings) -> AsyncIterator[Events]:
    publisher = Events(kafka)
    await publisher.producer.start()
    try:
        yield publisher
    finally:
        await publisher.producer.stop()


@pytest.fixture
def mails_of_applications(
    make: Make, profiles: Profiles, smtp: Smtp, events: Events
) -> MailsOfApplications:
    """Starts the notifier in front of `holder`, publishes `first` twice in one envelope (a
    redelivery) and `others` once each, waits until each is recorded and the duplicate has had its
    turn, and gives the mails sent. The seeker s-1 has the address amina@example.org."""

    async def mails(
        holder: ApplicationsHolder, first: EventPayload, *others: EventPayload
    ) -> list[Message]:
        profiles.contacts["s-1"] = contact(email="amina@example.org")
        async with (
            deliveries_served(holder.path, holder.deliveries) as url,
            make(**{holder.setting: url}) as harness,
        ):
            assert harness.app
            store = getattr(harness.app.state, holder.store).sent
            envelope = new_envelope(first, producer=holder.producer)
            await events.publish(first, envelope)
            await events.publish(first, envelope)
            for event in others:
                await events.publish(event)
            expected = 1 + len(others)
            assert await eventually(lambda: store.raw.count_documents({}), expected) == expected
            await asyncio.sleep(1)  # the duplicate, on the same partition, has had its turn
            return list(smtp.mailbox.messages)

    return mails


NewSettings = Callable[..., Settings]


@pytest.fixture
def settings_of_test(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str, webhooks: Webhooks
) -> NewSettings:
    """The notifier's settings over this test's topics, database and push webhook."""

    def new(**overrides: Any) -> Settings:
        return Settings(
            kafka=kafka,
            mongo=mongo,
            database=f"test_{run_id}",
            push_webhook_url=f"{webhooks.url}/push",
            **overrides,
        )

    return new


@pytest.fixture
def make(
    settings_of_test: NewSettings,
    clock: FakeClock,
    profiles: Profiles,
    webhooks: Webhooks,
    smtp: Smtp,
) -> Make:
    @asynccontextmanager
    async def build(
        tension: dict[str, float] | None = None, **overrides: Any
    ) -> AsyncIterator[Harness]:
        settings = settings_of_test(
            sms_webhook_url=f"{webhooks.url}/sms",
            smtp=SmtpSettings(host=smtp.host, port=smtp.port),
            retry_base_s=60,
            **overrides,
        )
        directory = HttpContactDirectory(profiles.url, InternalAuthSettings(), cache_s=0)
        app = create_app(
            settings,
            clock=clock,
            contacts=directory,
            background=False,
            tension=TENSION if tension is None else tension,
        )
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://notifier") as c:
                yield Harness(app, c)

    return build


Prefer = Callable[..., Awaitable[None]]


@pytest.fixture
def counsellor_prefers(harness: Harness) -> Prefer:
    """Saves a counsellor's preferences through the API, as they would."""

    async def save(counsellor_id: str, **preferences: Any) -> None:
        response = await harness.client.put(
            f"/counsellors/{counsellor_id}/preferences",
            json=preferences,
            headers=token(counsellor_id, Role.COUNSELLOR),
        )
        assert response.status_code == 200, response.text

    return save


@pytest.fixture
def erased(harness: Harness, events: Events) -> Callable[[str], Awaitable[None]]:
    """Publishes a seeker's erasure and waits until the notifier has recorded it."""

    async def erase(seeker_id: str) -> None:
        await events.publish(ProfileDeleted(seeker_id=seeker_id, deleted_at=datetime.now(UTC)))
        assert await eventually(lambda: harness.notifier.store.was_erased(seeker_id), True)

    return erase


@pytest.fixture
async def harness(make: Make, profiles: Profiles) -> AsyncIterator[Harness]:
    profiles.contacts["s-1"] = contact()
    async with make() as built:
        yield built


@pytest.fixture
def rig(
    harness: Harness,
    profiles: Profiles,
    events: Events,
    webhooks: Webhooks,
    smtp: Smtp,
    clock: FakeClock,
) -> Rig:
    return Rig(harness, profiles, events, webhooks, smtp, clock)
