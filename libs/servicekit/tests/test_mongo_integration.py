"""Lookups of many documents by `_id`, against the real server (FerretDB here)."""

from typing import Any

import pytest
from pymongo import AsyncMongoClient

from servicekit.mongo import find_by_ids
from servicekit.settings import MongoSettings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("one_by_one", [False, True], ids=["in-query", "one-by-one"])
async def test_find_by_ids_returns_the_existing_documents_with_the_projection(
    mongo: MongoSettings, run_id: str, one_by_one: bool
) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    collection = client[f"test_{run_id}"]["documents"]
    await collection.insert_many([{"_id": f"d{i}", "n": i, "other": "x"} for i in range(40)])

    found = await find_by_ids(
        collection, ["d3", "d39", "missing", "d3", "d17"], {"n": 1}, one_by_one=one_by_one
    )
    nothing = await find_by_ids(collection, [], one_by_one=one_by_one)
    await client.close()

    assert sorted((d["_id"], d["n"]) for d in found) == [("d17", 17), ("d3", 3), ("d39", 39)]
    assert all("other" not in d for d in found)
    assert nothing == []
