"""One collection seen through what its server can do: the only place that knows.

Repositories build on `Documents` instead of a raw collection. Every write of a document takes
that document's turn in the process when the server does not isolate updates (`Capabilities`),
bulk writes are cut to the commands the server can take, and lookups of many documents go in one
query per `ids_per_query`. Anything else (indexes, scans) goes to `raw`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pymongo import InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError

from servicekit.data.engine import Capabilities
from servicekit.data.turns import KeyedLocks

Doc = dict[str, Any]
T = TypeVar("T")
DUPLICATE_KEY = 11000
# Written by a conditional update of a bulk write, to tell afterwards whether it applied.
WRITE_MARK = "_w"


@dataclass(frozen=True)
class Update:
    """One document's update in a bulk write; `where` adds conditions to its `_id`."""

    id: Any
    change: Doc
    where: Doc = field(default_factory=dict)
    upsert: bool = False


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ConcurrentUpdateError(Exception):
    """A conditional write found the document changed by another writer, more times than the
    caller would retry: the work is to be done again from a fresh read."""


def is_duplicate(error: BulkWriteError) -> bool:
    return all(e.get("code") == DUPLICATE_KEY for e in error.details.get("writeErrors", []))


class Documents:
    def __init__(
        self,
        collection: AsyncCollection[Doc],
        capabilities: Capabilities,
        locks: KeyedLocks | None = None,
    ) -> None:
        self.raw = collection
        self.capabilities = capabilities
        self.locks = locks or KeyedLocks()

    @property
    def name(self) -> str:
        return self.raw.name

    @contextlib.asynccontextmanager
    async def turn(self, ids: Iterable[Hashable]) -> AsyncIterator[None]:
        """Hold these documents' turn for a read-then-write the server would not isolate."""
        if self.capabilities.isolated_updates:
            yield
            return
        async with self.locks.hold(ids):
            yield

    # reads

    async def get(self, document_id: Any, projection: Doc | None = None) -> Doc | None:
        found: Doc | None = await self.raw.find_one({"_id": document_id}, projection)
        return found

    async def get_many(
        self, ids: Iterable[Any], projection: Doc | None = None, where: Doc | None = None
    ) -> dict[Any, Doc]:
        """The documents with these ids that exist (and match `where`), by id."""
        unique = list(dict.fromkeys(ids))
        found: dict[Any, Doc] = {}
        for part in chunks(unique, self.capabilities.ids_per_query):
            query = {"_id": part[0]} if len(part) == 1 else {"_id": {"$in": list(part)}}
            async for document in self.raw.find({**query, **(where or {})}, projection):
                found[document["_id"]] = document
        return found

    # writes

    async def insert(self, document: Doc) -> bool:
        """Insert unless a document with its `_id` exists; True when inserted."""
        try:
            await self.raw.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def insert_new(self, documents: Sequence[Doc]) -> set[Any]:
        """Insert those whose `_id` is new (unique keys decide); return the ids inserted."""
        inserted: set[Any] = set()
        for part in chunks(documents, self.capabilities.ids_per_query):
            try:
                await self.raw.insert_many(list(part), ordered=False)
            except BulkWriteError as error:
                if not is_duplicate(error):
                    raise
                failed = {part[e["index"]]["_id"] for e in error.details["writeErrors"]}
                inserted.update(d["_id"] for d in part if d["_id"] not in failed)
            else:
                inserted.update(d["_id"] for d in part)
        return inserted

    async def update(
        self, document_id: Any, change: Doc, *, where: Doc | None = None, upsert: bool = False
    ) -> bool:
        """Apply `change` if the document matches `where`; True when it did (or was upserted).

        An upsert whose conditions fail on an existing document answers False.
        """
        async with self.turn([document_id]):
            try:
                result = await self.raw.update_one(
                    {"_id": document_id, **(where or {})}, change, upsert=upsert
                )
            except DuplicateKeyError:
                return False
        return result.matched_count == 1 or result.upserted_id is not None

    async def replace(self, document_id: Any, document: Doc, *, where: Doc | None = None) -> bool:
        """Replace the document if it matches `where`; True when it did."""
        async with self.turn([document_id]):
            result = await self.raw.replace_one({"_id": document_id, **(where or {})}, document)
        return result.matched_count == 1

    async def update_each(self, updates: Sequence[Update]) -> set[Any]:
        """Bulk `update`: unordered, in commands the server can take; return the ids applied."""
        applied: set[Any] = set()
        if not self.capabilities.upserts_in_bulk:
            alone = [u for u in updates if u.upsert]
            if alone:
                updates = [u for u in updates if not u.upsert]
                for part in chunks(alone, self.capabilities.updates_per_command):
                    done = await asyncio.gather(
                        *(self.update(u.id, u.change, where=u.where, upsert=True) for u in part)
                    )
                    applied.update(u.id for u, ok in zip(part, done, strict=True) if ok)
        for part in chunks(updates, self.capabilities.updates_per_command):
            async with self.turn(u.id for u in part):
                applied.update(await self._bulk(part))
        return applied

    async def _bulk(self, part: Sequence[Update]) -> set[Any]:
        # A bulk write tells how many updates matched, not which: each conditional update also
        # writes a token of its own, and reading the tokens back tells which took effect.
        token = uuid.uuid4().hex
        operations = []
        for n, u in enumerate(part):
            change = u.change
            if u.where:
                change = {**change, "$set": {**change.get("$set", {}), WRITE_MARK: f"{token}.{n}"}}
            operations.append(UpdateOne({"_id": u.id, **u.where}, change, upsert=u.upsert))
        failed: set[int] = set()
        try:
            await self.raw.bulk_write(operations, ordered=False)
        except BulkWriteError as error:
            if not is_duplicate(error):
                raise
            failed = {e["index"] for e in error.details["writeErrors"]}
        done = {u.id for n, u in enumerate(part) if not u.where and n not in failed}
        conditional = {n: u for n, u in enumerate(part) if u.where and n not in failed}
        if conditional:
            tokens = await self.get_many([u.id for u in conditional.values()], {WRITE_MARK: 1})
            done |= {
                u.id
                for n, u in conditional.items()
                if tokens.get(u.id, {}).get(WRITE_MARK) == f"{token}.{n}"
            }
        return done

    async def delete(self, ids: Iterable[Any], where: Doc | None = None) -> int:
        """Delete these documents (those that match `where`); return how many went."""
        deleted = 0
        for part in chunks(list(dict.fromkeys(ids)), self.capabilities.ids_per_query):
            async with self.turn(part):
                result = await self.raw.delete_many({"_id": {"$in": list(part)}, **(where or {})})
            deleted += result.deleted_count
        return deleted

    async def write(self, operations: Sequence[InsertOne[Doc] | UpdateOne]) -> None:
        """Unordered writes of any kind, in commands the server can take."""
        for part in chunks(operations, self.capabilities.updates_per_command):
            await self.raw.bulk_write(list(part), ordered=False)
