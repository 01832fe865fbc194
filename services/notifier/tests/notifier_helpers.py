"""Helpers of the notifier's tests: real local servers, a clock, an event publisher."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import TYPE_CHECKING, Any

import httpx
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from testkit.builders import match_found, profile_updated
from testkit.served import serve
from testkit.smtp_mailbox import Mailbox
from testkit.stack import eventually

from contracts import (
    Envelope,
    EventPayload,
    FeedbackRecorded,
    ProfileUpdated,
    encode,
    headers_for,
    new_envelope,
    topic_name,
)
from contracts.vocabulary import FeedbackReason
from servicekit.auth import (
    InternalAuthSettings,
    Principal,
    Role,
    issue_internal_token,
    read_internal_token,
)
from servicekit.settings import KafkaSettings

if TYPE_CHECKING:
    from notifier.service import Notifier


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Receiver:
    """A push gateway or SMS provider: records what it receives, fails when told to."""

    received: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)

    async def endpoint(self, request: Request) -> Response:
        if self.failures:
            return Response(status_code=self.failures.pop(0))
        self.received.append(await request.json())
        self.keys.append(request.headers.get("idempotency-key", ""))
        return JSONResponse({"accepted": True}, status_code=202)


@dataclass
class Webhooks:
    url: str
    push: Receiver
    sms: Receiver


@dataclass
class Profiles:
    """The profiles service's channels route, as the notifier sees it (503 while `down`)."""

    url: str
    contacts: dict[str, dict[str, Any]]
    calls: list[str]
    down: bool = False


@dataclass
class Smtp:
    host: str
    port: int
    mailbox: Mailbox


def contact(**changes: Any) -> dict[str, Any]:
    return {
        "email": "amina@example.org",
        "phone": "+33600000000",
        "push_token": "push-token-1",
        "language": "fr",
        "time_zone": "Europe/Paris",
        **changes,
    }


def token(sub: str, role: Role) -> dict[str, str]:
    # Long-lived: a test may hold a stream open with these headers for a while.
    issued = issue_internal_token(
        Principal(sub=sub, role=role), InternalAuthSettings(token_ttl_s=3600)
    )
    return {"Authorization": f"Bearer {issued}"}


class Events:
    """Publishes events as their producers would, and again as a duplicate when asked."""

    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self.producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)

    async def publish(
        self, payload: EventPayload, envelope: Envelope[Any] | None = None
    ) -> Envelope[Any]:
        envelope = envelope or new_envelope(payload, producer="recommender")
        await self.producer.send_and_wait(
            topic_name(payload.topic, self.kafka.topic_suffix),
            encode(envelope),
            key=envelope.key.encode(),
            headers=[(k, v.encode()) for k, v in headers_for(envelope).items()],
        )
        return envelope


async def read_sse(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str],
    count: int,
    timeout_s: float = 10.0,
    linger_s: float = 0.0,
) -> list[dict[str, Any]]:
    """Collect `count` SSE events (then wait `linger_s` for unexpected extra ones)."""
    found: list[dict[str, Any]] = []

    async def collect() -> None:
        async with client.stream("GET", url, headers=headers) as response:
            assert response.status_code == 200, await response.aread()
            current: dict[str, Any] = {}
            async for line in response.aiter_lines():
                if line.startswith("id:"):
                    current["id"] = line[3:].strip()
                elif line.startswith("data:"):
                    current["data"] = json.loads(line[5:].strip())
                elif line == "" and "data" in current:
                    found.append(current)
                    current = {}

    task = asyncio.create_task(collect())
    deadline = asyncio.get_running_loop().time() + timeout_s
    while len(found) < count and asyncio.get_running_loop().time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.02)
    if linger_s:
        await asyncio.sleep(linger_s)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return found


a_match = match_found


def a_profile(seeker_id: str, counsellor_id: str | None = "c-1") -> ProfileUpdated:
    return profile_updated(seeker_id, counsellor_id=counsellor_id, radius_km=10)


def not_for_me(
    seeker_id: str = "s-1",
    offer_id: str = "o-1",
    reason: FeedbackReason = FeedbackReason.TOO_FAR,
    counsellor_id: str | None = "c-1",
) -> FeedbackRecorded:
    return FeedbackRecorded(
        seeker_id=seeker_id,
        offer_id=offer_id,
        reason=reason,
        counsellor_id=counsellor_id,
        recorded_at=datetime.now(UTC),
    )


class Harness:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app = app
        self.client = client
        self.notifier: Notifier = app.state.notifier

    async def drain(self) -> int:
        settled = 0
        while batch := await self.notifier.send_due():
            settled += batch
        return settled

    async def inbox(self, seeker_id: str = "s-1") -> list[dict[str, Any]]:
        response = await self.client.get(f"/seekers/{seeker_id}/notifications", headers=SERVICE)
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def inbox_size(self, seeker_id: str = "s-1") -> int:
        return len(await self.inbox(seeker_id))

    async def counsellor_inbox(self, counsellor_id: str = "c-1") -> list[dict[str, Any]]:
        response = await self.client.get(
            f"/counsellors/{counsellor_id}/notifications", headers=SERVICE
        )
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]

    async def status(self, alert_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/alerts/{alert_id}/status", headers=SERVICE)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def alert_exists(self, alert_id: str) -> bool:
        return await self.notifier.store.alert(alert_id) is not None

    async def planned(self, *alert_ids: str) -> None:
        """Wait until the alerts' deliveries are written (the inbox item comes first)."""

        async def count() -> int:
            query = {"_id": {"$in": list(alert_ids)}, "planned": True}
            return await self.notifier.store.alerts.raw.count_documents(query)

        assert await eventually(count, len(alert_ids)) == len(alert_ids)


Make = Callable[..., AbstractAsyncContextManager[Harness]]


SERVICE = token("gateway", Role.SERVICE)

# Hiring difficulty (share of hard hirings, %) as the tests see it.
TENSION = {"K2204": 80.0, "J1501": 65.0, "M1607": 30.0}


@dataclass(frozen=True)
class ApplicationsHolder:
    """A service holding applications, as the notifier reaches it."""

    setting: str  # the notifier's setting naming its address
    path: str  # its delivery endpoint
    deliveries: dict[str, dict[str, Any]]
    producer: str  # the producer of its submission events
    store: str  # the notifier's record of the mails sent for them, on `app.state`
    submitted: Callable[[str], EventPayload]  # an application's submission event, by its id


MailsOfApplications = Callable[..., Awaitable[list[Message]]]


@asynccontextmanager
async def deliveries_served(path: str, deliveries: dict[str, dict[str, Any]]) -> AsyncIterator[str]:
    """A local stand-in for the service that holds applications: their delivery by id (the path
    names it `{application_id}`), to the notifier only, and 404 when there is nothing to send."""
    auth = InternalAuthSettings()

    async def delivery(request: Request) -> Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not read_internal_token(token, auth).is_service("notifier"):
            return Response(status_code=403)
        found = deliveries.get(request.path_params["application_id"])
        if found is None:
            return JSONResponse({"detail": "Nothing to send."}, status_code=404)
        return JSONResponse(found)

    async with serve(Starlette(routes=[Route(path, delivery)])) as url:
        yield url


@dataclass(frozen=True)
class Rig:
    """The notifier under test and what stands around it: one fixture for tests that need most."""

    harness: Harness
    profiles: Profiles
    events: Events
    webhooks: Webhooks
    smtp: Smtp
    clock: FakeClock
