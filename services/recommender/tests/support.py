"""Helpers of the integration tests: the service in its lifespan, a publisher of events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from testkit.builders import OfferBuilder, ProfileBuilder
from testkit.stack import read_records

from contracts import EventPayload, decode, encode, new_envelope, topic_name
from recommender.config import Settings
from recommender.main import create_app
from recommender.service import Recommender
from refdata import Referential
from servicekit.broker import make_broker
from servicekit.settings import KafkaSettings, MongoSettings

P = TypeVar("P", bound=EventPayload)


def settings_for(
    kafka: KafkaSettings, mongo: MongoSettings, run_id: str, **changes: Any
) -> Settings:
    """The test's own topics, database and consumer groups."""
    return Settings(
        kafka=kafka,
        mongo=mongo,
        database=f"test_{run_id}",
        group_id=f"recommender{kafka.topic_suffix}",
        **changes,
    )


@asynccontextmanager
async def running(settings: Settings, referential: Referential) -> AsyncIterator[FastAPI]:
    app = create_app(settings, referential)
    async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
        yield app


def recommender_of(app: FastAPI) -> Recommender:
    return app.state.recommender  # type: ignore[no-any-return]


class Publisher:
    def __init__(self, kafka: KafkaSettings) -> None:
        self.kafka = kafka
        self.broker = make_broker(kafka, "test")

    async def send(self, payload: EventPayload, raw: bytes | None = None) -> bytes:
        """Publishes on the payload's own topic; `raw` stands for the encoded event if given."""
        body = raw if raw is not None else encode(new_envelope(payload, producer="test"))
        topic = topic_name(payload.topic, self.kafka.topic_suffix)
        await self.broker.publish(body, topic, key=payload.aggregate_id().encode())
        return body


@dataclass(frozen=True)
class Feed:
    """What an integration test sends events with and reads them back from."""

    publisher: Publisher
    kafka: KafkaSettings
    a_profile: ProfileBuilder
    an_offer: OfferBuilder

    async def announced(self, kind: type[P], count: int) -> list[P]:
        """The first `count` events of that kind on its topic (fails if fewer come)."""
        records = await read_records(self.kafka, kind.topic, count)
        return [decode(record.value, kind).payload for record in records]
