"""Fixtures shared by every test package: isolated topics and databases on the real stack."""

import os
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient

# Services record no span without an exporter; the traces tests read spans from memory.
os.environ.setdefault("OTEL_TRACES_SAMPLER", "always_on")
# Tests are a development run (what production refuses is tested with explicit settings).
os.environ.setdefault("TREMPLIN_DEVELOPMENT", "true")

from testkit.stack import isolated_topics, mongo_settings, new_run_id

from servicekit.settings import KafkaSettings, MongoSettings


@pytest.fixture
def run_id() -> str:
    return new_run_id()


@pytest.fixture
async def kafka(run_id: str) -> AsyncIterator[KafkaSettings]:
    async with isolated_topics(run_id) as settings:
        yield settings


@pytest.fixture
async def mongo(run_id: str) -> AsyncIterator[MongoSettings]:
    """Mongo settings; the test's own database is named `test_<run_id>` and dropped afterwards."""
    settings = mongo_settings()
    yield settings
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.url)
    try:
        await client.drop_database(f"test_{run_id}")
    finally:
        await client.close()
