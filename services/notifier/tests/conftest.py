"""Fixtures of the notifier's tests: real local servers (profiles, webhooks, SMTP), a clock."""

import socket
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servicekit.auth import InternalAuthSettings, read_internal_token
from servicekit.settings import KafkaSettings

sys.path.insert(0, str(Path(__file__).parent))

from notifier_helpers import (
    Events,
    FakeClock,
    Mailbox,
    Profiles,
    Receiver,
    Smtp,
    Webhooks,
    serve,
)


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

    async def channels(request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        principal = read_internal_token(token, auth)
        if not principal.is_service("notifier"):
            return Response(status_code=403)
        seeker_id = request.path_params["seeker_id"]
        calls.append(seeker_id)
        if seeker_id not in contacts:
            return JSONResponse({"detail": "unknown"}, status_code=404)
        return JSONResponse(contacts[seeker_id])

    app = Starlette(routes=[Route("/seekers/{seeker_id}/channels", channels)])
    async with serve(app) as url:
        yield Profiles(url, contacts, calls)


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
