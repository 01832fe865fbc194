"""A domain service under test over the real Kafka and FerretDB: its app and a client as fixtures
(a service's conftest imports them and says which service), internal tokens, and the erasure the
profiles service announces."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from fastapi import FastAPI

from contracts import PROFILE_DELETED, ProfileDeleted, encode, new_envelope, topic_name
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token
from servicekit.settings import KafkaSettings, MongoSettings
from testkit.apps import client_of, running


@dataclass(frozen=True)
class ServiceUnderTest:
    create_app: Callable[[Any], FastAPI]
    settings: Callable[..., Any]  # the service's Settings class
    base_url: str
    defaults: dict[str, Any] = field(default_factory=dict)  # settings every test of it shares


def bearer(role: Role | str, sub: str = "someone") -> dict[str, str]:
    """Headers of an internal call by that principal. The token lives an hour: module-level
    headers are minted at collection, long before some tests run."""
    principal = Principal(sub=sub, role=Role(role))
    token = issue_internal_token(principal, InternalAuthSettings(token_ttl_s=3600))
    return {"Authorization": f"Bearer {token}"}


async def erase_seeker(kafka: KafkaSettings, seeker_id: str) -> None:
    """Announces the seeker's erasure on profile-deleted, as the profiles service does."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        erased = ProfileDeleted(seeker_id=seeker_id, deleted_at=datetime.now(UTC))
        await producer.send_and_wait(
            topic_name(PROFILE_DELETED, kafka.topic_suffix),
            encode(new_envelope(erased, producer="profiles")),
            key=seeker_id.encode(),
        )
    finally:
        await producer.stop()


@pytest.fixture
def app_settings() -> dict[str, Any]:
    """The settings a test module changes (override this fixture there)."""
    return {}


@pytest.fixture
async def app(
    service_under_test: ServiceUnderTest,
    kafka: KafkaSettings,
    mongo: MongoSettings,
    run_id: str,
    app_settings: dict[str, Any],
) -> AsyncIterator[FastAPI]:
    """The service's app, started over the test's own topics and database."""
    options = {**service_under_test.defaults, **app_settings}
    settings = service_under_test.settings(
        kafka=kafka, mongo=mongo, database=f"test_{run_id}", **options
    )
    async with running(service_under_test.create_app(settings)) as app:
        yield app


@pytest.fixture
async def client(
    service_under_test: ServiceUnderTest, app: FastAPI
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app, service_under_test.base_url) as client:
        yield client


@dataclass(frozen=True)
class Running:
    """The service in its lifespan, a client of it, and the broker it publishes on."""

    app: FastAPI
    client: httpx.AsyncClient
    kafka: KafkaSettings


@pytest.fixture
def service(app: FastAPI, client: httpx.AsyncClient, kafka: KafkaSettings) -> Running:
    return Running(app, client, kafka)
