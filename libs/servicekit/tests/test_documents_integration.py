"""The data layer's contract, against the real server, in both profiles.

FerretDB evaluates every filter correctly (if slowly), so the MongoDB profile (server-side
conditions, no turns in the process, large commands) runs on it too: the code path production
takes is exercised by a real server in CI, not only by a fake collection.
"""

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from servicekit.data import FERRETDB, MONGODB, Capabilities, Database, Documents, Update, detect
from servicekit.settings import MongoSettings

pytestmark = pytest.mark.integration
PROFILES = [pytest.param(MONGODB, id="mongodb"), pytest.param(FERRETDB, id="ferretdb")]


@pytest.fixture(params=PROFILES)
async def documents(
    request: pytest.FixtureRequest, mongo: MongoSettings, run_id: str
) -> AsyncIterator[Documents]:
    capabilities: Capabilities = request.param
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    # A small command size and lookup size make the tests cross their boundaries.
    small = dataclasses.replace(capabilities, updates_per_command=3, ids_per_query=4)
    yield Database(client[f"test_{run_id}"], small).documents("things")
    await client.close()


async def test_the_server_is_recognised(mongo: MongoSettings, run_id: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    database = client[f"test_{run_id}"]
    # The stack the tests run on is FerretDB; a forced profile wins over what the server says.
    assert await detect(database) == FERRETDB
    assert await detect(database, "mongodb") == MONGODB
    await client.close()


async def test_get_many_returns_the_existing_documents_with_the_projection(
    documents: Documents,
) -> None:
    await documents.raw.insert_many([{"_id": f"d{i}", "n": i, "other": "x"} for i in range(40)])

    found = await documents.get_many(["d3", "d39", "missing", "d3", "d17", "d1", "d2"], {"n": 1})

    assert {k: v["n"] for k, v in found.items()} == {
        "d3": 3,
        "d39": 39,
        "d17": 17,
        "d1": 1,
        "d2": 2,
    }
    assert all("other" not in d for d in found.values())
    assert await documents.get_many([]) == {}
    assert (await documents.get("d5") or {})["n"] == 5
    assert await documents.get("missing") is None


async def test_insert_new_inserts_each_id_once_and_says_which(documents: Documents) -> None:
    assert await documents.insert({"_id": "a", "n": 1})
    assert not await documents.insert({"_id": "a", "n": 2})

    inserted = await documents.insert_new([{"_id": k, "n": 3} for k in "abcdefg"])

    assert inserted == set("bcdefg")
    assert (await documents.get("a") or {})["n"] == 1
    assert await documents.raw.count_documents({}) == 7


async def test_a_conditional_update_applies_only_where_its_conditions_hold(
    documents: Documents,
) -> None:
    await documents.insert({"_id": "s", "rev": 1})

    assert await documents.update("s", {"$inc": {"rev": 1}}, where={"rev": 1})
    assert not await documents.update("s", {"$inc": {"rev": 1}}, where={"rev": 1})
    assert (await documents.get("s") or {})["rev"] == 2
    # An upsert creates; on an existing document whose condition fails it answers False.
    assert await documents.update("t", {"$set": {"v": 3}}, where={"v": {"$lt": 3}}, upsert=True)
    assert not await documents.update("t", {"$set": {"v": 2}}, where={"v": {"$lt": 2}}, upsert=True)
    assert (await documents.get("t") or {})["v"] == 3


async def test_update_each_says_which_conditional_updates_applied(documents: Documents) -> None:
    await documents.insert_new([{"_id": f"s{i}", "rev": i % 2} for i in range(10)])

    applied = await documents.update_each(
        [Update(f"s{i}", {"$set": {"seen": True}}, where={"rev": 0}) for i in range(10)]
        + [Update("new", {"$set": {"rev": 9}}, upsert=True), Update("s1", {"$inc": {"rev": 10}})]
    )

    assert applied == {"s0", "s2", "s4", "s6", "s8", "new", "s1"}
    assert await documents.raw.count_documents({"seen": True}) == 5
    assert (await documents.get("s1") or {})["rev"] == 11


async def test_conditional_upserts_in_bulk_apply_where_their_conditions_hold(
    documents: Documents,
) -> None:
    if documents.capabilities.upserts_in_bulk:
        # The MongoDB profile sends them in one bulk write, whose answer FerretDB gets wrong (no
        # `nModified`, PyMongo fails on it): that path is MongoDB's alone.
        pytest.skip("a bulk write of conditional upserts needs real MongoDB")
    await documents.insert_new([{"_id": "old", "version": 5}, {"_id": "behind", "version": 1}])

    applied = await documents.update_each(
        [
            Update(i, {"$set": {"version": 3}}, {"version": {"$not": {"$gte": 3}}}, upsert=True)
            for i in ("old", "behind", "new")
        ]
    )

    assert applied == {"behind", "new"}
    versions = {d["_id"]: d["version"] async for d in documents.raw.find({})}
    assert versions == {"old": 5, "behind": 3, "new": 3}


async def test_delete_removes_the_named_documents(documents: Documents) -> None:
    await documents.insert_new([{"_id": f"d{i}"} for i in range(10)])

    assert await documents.delete([f"d{i}" for i in range(7)] + ["missing"]) == 7
    assert await documents.raw.count_documents({}) == 3


async def test_concurrent_writers_of_one_document_all_land(
    mongo: MongoSettings, run_id: str
) -> None:
    # The server's own profile: on FerretDB the writers take turns in the process, because its
    # updates are not isolated (without the turns, about 7 % of these increments were lost).
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    database = await Database.open(client[f"test_{run_id}"])
    documents = database.documents("counters")
    await documents.insert({"_id": "c", "n": 0, "log": []})

    await asyncio.gather(
        *(
            documents.update("c", {"$inc": {"n": 1}, "$push": {"log": i}}, where={"n": {"$gte": 0}})
            for i in range(200)
        )
    )

    final = await documents.get("c") or {}
    await client.close()
    assert final["n"] == 200
    assert sorted(final["log"]) == list(range(200))


async def test_writers_creating_the_same_documents_in_bulk_all_get_an_answer(
    mongo: MongoSettings, run_id: str
) -> None:
    # Replicas, each with its own turns, create documents at once: some first upserts fail with
    # a duplicate key (another writer created the document first). Each writer gets an answer
    # that names only what it applied (FerretDB's answer to a bulk write with such a failure
    # names nothing, and PyMongo fails on it).
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    writers = [
        (await Database.open(client[f"test_{run_id}"])).documents("sequences") for _ in range(6)
    ]
    for round_ in range(4):  # the race is lost in about one round of three
        keys = [f"r{round_}k{i}" for i in range(120)]

        answers = await asyncio.gather(
            *(
                w.update_each([Update(k, {"$set": {"by": n}}, upsert=True) for k in keys])
                for n, w in enumerate(writers)
            )
        )

        final = await writers[0].get_many(keys)
        assert set(final) == set(keys)
        for key in keys:
            # The document names the last writer whose update took effect.
            assert key in answers[final[key]["by"]], key
    await client.close()
