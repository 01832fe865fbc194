"""The shape of the store's writes: `_id` alone on FerretDB, conditions in the filter on MongoDB."""

from typing import Any

import pytest

from profiles.domain.profile import SeekerProfile
from profiles.store import ProfileStore, VersionMismatchError
from servicekit.outbox import TOMBSTONE

from .conftest import a_profile


class Result:
    def __init__(self, matched: int) -> None:
        self.matched_count = matched


class FakeProfiles:
    """One stored profile; records every write's filter."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.reads: list[dict[str, Any]] = []
        self.writes: list[dict[str, Any]] = []

    async def find_one(self, query: dict[str, Any], _: dict[str, Any]) -> dict[str, Any] | None:
        self.reads.append(query)
        return self.document if query["_id"] == self.document["_id"] else None

    async def update_one(self, query: dict[str, Any], _: dict[str, Any]) -> Result:
        self.writes.append(query)
        return Result(1)

    async def replace_one(self, query: dict[str, Any], _: dict[str, Any]) -> Result:
        self.writes.append(query)
        return Result(1)


def store_over(profiles: FakeProfiles, on_ferretdb: bool) -> ProfileStore:
    store = ProfileStore({"profiles": profiles})  # type: ignore[dict-item]
    store.checks_in_process = on_ferretdb
    return store


def stored(version: int = 3, **fields: Any) -> dict[str, Any]:
    return {"_id": "s-1", "version": version, "fingerprint": "old", **fields}


CHANGED = SeekerProfile.model_validate(a_profile(radius_km=40))


async def test_on_ferretdb_an_update_filters_on_the_id_alone() -> None:
    profiles = FakeProfiles(stored())

    saved = await store_over(profiles, on_ferretdb=True).put("s-1", CHANGED, expected_version=3)

    assert (saved.version, saved.published) == (4, True)
    assert profiles.writes == [{"_id": "s-1"}]
    assert all(list(query) == ["_id"] for query in profiles.reads)


async def test_on_mongodb_an_update_keeps_its_conditions_in_the_filter() -> None:
    profiles = FakeProfiles(stored())

    await store_over(profiles, on_ferretdb=False).put("s-1", CHANGED, expected_version=3)

    assert profiles.writes == [{"_id": "s-1", "version": 3, TOMBSTONE: {"$exists": False}}]


@pytest.mark.parametrize("on_ferretdb", [True, False])
async def test_a_stale_version_is_refused_before_any_write(on_ferretdb: bool) -> None:
    profiles = FakeProfiles(stored(version=5))

    with pytest.raises(VersionMismatchError):
        await store_over(profiles, on_ferretdb).put("s-1", CHANGED, expected_version=3)
    assert profiles.writes == []


async def test_a_tombstone_is_not_read_as_a_profile_nor_erased_twice() -> None:
    profiles = FakeProfiles({"_id": "s-1", TOMBSTONE: True, "outbox": []})
    store = store_over(profiles, on_ferretdb=True)

    assert await store.get("s-1") is None
    assert await store.assignments("s-1") == []
    assert await store.erase("s-1") is False
    assert profiles.writes == []
    assert all(list(query) == ["_id"] for query in profiles.reads)
