"""What the index Jobs run (`python -m <service>.indexes`) builds indexes on the real store."""

import importlib

import pytest
from pymongo import AsyncMongoClient
from testkit.stack import mongo_settings

pytestmark = pytest.mark.integration

SERVICES = ("gateway", "profiles", "offers", "recommender", "notifier", "companies", "trainings")


@pytest.mark.parametrize("service", SERVICES)
async def test_the_index_job_builds_the_services_indexes(service: str, run_id: str):
    settings = mongo_settings()
    database = f"test_{run_id}_{service}_indexes"
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.url)
    try:
        await importlib.import_module(f"{service}.indexes").build_indexes(settings, database)
        built = [
            index["name"]
            for name in await client[database].list_collection_names()
            async for index in await client[database][name].list_indexes()
            if index["name"] != "_id_"
        ]
        assert built, f"{service}.indexes built no index"
    finally:
        await client.drop_database(database)
