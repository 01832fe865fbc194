"""What the services' lifespans open the same way: their database behind Kafka and MongoDB, and the
outbox relays of their collections."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from servicekit.app import kafka_and_mongo
from servicekit.data import Database, Documents
from servicekit.outbox import OutboxRelay
from servicekit.settings import MongoSettings


@asynccontextmanager
async def service_database(
    app: FastAPI, broker: KafkaBroker, mongo: MongoSettings, name: str
) -> AsyncIterator[Database]:
    """The service's database, for as long as Kafka and MongoDB are open (`kafka_and_mongo`)."""
    async with kafka_and_mongo(app, broker, mongo) as client:
        yield await Database.open(client[name], mongo.engine)


def woken_relays(
    broker: KafkaBroker, topic_suffix: str, *collections: Documents, **options: Any
) -> list[OutboxRelay]:
    """An outbox relay per collection, each asked for a first pass over every pending document.

    Writers name the documents they queue events in: a relay reads just those, and scans its
    collection only at start and on its schedule."""
    relays = [OutboxRelay(documents, broker, topic_suffix, **options) for documents in collections]
    for relay in relays:
        relay.wake([])
    return relays
