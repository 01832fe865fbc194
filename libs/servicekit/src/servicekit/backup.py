"""Dumps and restores of whole databases, in mongodump's directory layout.

`<directory>/<database>/<collection>.bson` holds the collection's documents as concatenated BSON,
byte for byte as the server returned them (read and written as raw BSON: no type is converted on
the way); `<collection>.metadata.json` holds its options and indexes in canonical extended JSON.
With `gzip`, both are gzipped and named `.bson.gz` / `.metadata.json.gz`, as `mongodump --gzip`
writes them. `mongorestore --drop [--gzip] <directory>` reads such a dump, and `restore` reads
one written by `mongodump --out <directory>`.

The dump reads one collection after the other, without a snapshot: each collection is as it was
when it was read, at or after the dump's start. Restored, a service's state is at least what it
was at the start; the events after the start must be applied again (their consumers ignore the
ones already applied), which is why the start is the dump's moment T.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal, cast

from bson import decode_file_iter, json_util
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

RAW = CodecOptions(document_class=RawBSONDocument)
# Collections copied at once, as mongodump and mongorestore do by default.
PARALLEL_COLLECTIONS = 4
BATCH_DOCUMENTS = 1000
BATCH_BYTES = 8 * 1024 * 1024
# Fields of an index description that describe the index on one server, not its definition.
SERVER_FIELDS = ("v", "ns", "background")


@dataclass(frozen=True)
class CollectionCopy:
    database: str
    collection: str
    documents: int
    bytes: int  # BSON bytes, before compression
    indexes: int  # besides `_id`


@dataclass
class Report:
    started_at: datetime
    finished_at: datetime | None = None
    seconds: float = 0.0
    collections: list[CollectionCopy] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(c.documents for c in self.collections)

    @property
    def bytes(self) -> int:
        return sum(c.bytes for c in self.collections)

    @property
    def databases(self) -> list[str]:
        return sorted({c.database for c in self.collections})

    def by_database(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for c in self.collections:
            counts[c.database] = counts.get(c.database, 0) + c.documents
        return counts


def _open(path: Path, mode: Literal["rb", "wb"], compressed: bool) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, mode)) if compressed else path.open(mode)


def _suffix(compressed: bool) -> str:
    return ".gz" if compressed else ""


async def database_names(client: AsyncMongoClient[Any], prefix: str) -> list[str]:
    return sorted(n for n in await client.list_database_names() if n.startswith(prefix))


async def _collections(database: AsyncDatabase[Any]) -> list[dict[str, Any]]:
    return [
        dict(info)
        async for info in await database.list_collections()
        if info.get("type", "collection") == "collection"
        and not str(info["name"]).startswith("system.")
    ]


async def _each(parallel: int, jobs: list[Awaitable[CollectionCopy]]) -> list[CollectionCopy]:
    """The jobs (not started yet), `parallel` at a time; their copies in the order of
    (database, collection)."""
    gate = asyncio.Semaphore(parallel)

    async def one(job: Awaitable[CollectionCopy]) -> CollectionCopy:
        async with gate:
            return await job

    copies = await asyncio.gather(*(one(job) for job in jobs))
    return sorted(copies, key=lambda c: (c.database, c.collection))


def _index_definition(index: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in index.items() if k not in SERVER_FIELDS}


async def dump_collection(
    database: AsyncDatabase[Any], info: dict[str, Any], folder: Path, compressed: bool
) -> CollectionCopy:
    name = str(info["name"])
    collection = database.get_collection(name, codec_options=RAW)
    count = size = 0
    with _open(folder / f"{name}.bson{_suffix(compressed)}", "wb", compressed) as out:
        async for document in collection.find({}):
            size += write_document(out, document)
            count += 1
    indexes = [dict(i) async for i in await database[name].list_indexes()]
    metadata = {
        "indexes": indexes,
        "collectionName": name,
        "type": "collection",
        "options": dict(info.get("options") or {}),
    }
    text = json_util.dumps(metadata, json_options=json_util.CANONICAL_JSON_OPTIONS)
    with _open(folder / f"{name}.metadata.json{_suffix(compressed)}", "wb", compressed) as out:
        out.write(text.encode())
    return CollectionCopy(
        database.name, name, count, size, sum(1 for i in indexes if i.get("name") != "_id_")
    )


async def dump(
    client: AsyncMongoClient[Any],
    directory: Path,
    databases: list[str] | None = None,
    prefix: str = "tremplin_",
    compressed: bool = False,
    parallel: int = PARALLEL_COLLECTIONS,
) -> Report:
    """Every collection of `databases` (default: those named `prefix`*) into `directory`."""
    report = Report(started_at=datetime.now(UTC))
    t0 = time.monotonic()
    work = []
    for name in databases if databases is not None else await database_names(client, prefix):
        database = client[name]
        folder = directory / name
        folder.mkdir(parents=True, exist_ok=True)
        work += [(database, info, folder) for info in await _collections(database)]
    report.collections = await _each(
        parallel, [dump_collection(d, info, folder, compressed) for d, info, folder in work]
    )
    report.seconds = time.monotonic() - t0
    report.finished_at = datetime.now(UTC)
    return report


def write_document(out: IO[bytes], document: RawBSONDocument) -> int:
    """Append the document as the server sent it; its size in bytes."""
    out.write(document.raw)
    return len(document.raw)


def read_documents(source: IO[bytes]) -> Iterator[RawBSONDocument]:
    """The documents of a `.bson` file, as they were written (nothing decoded)."""
    return decode_file_iter(source, codec_options=RAW)


def _batches(documents: Iterator[RawBSONDocument]) -> Iterator[list[RawBSONDocument]]:
    batch: list[RawBSONDocument] = []
    size = 0
    for document in documents:
        batch.append(document)
        size += len(document.raw)
        if len(batch) >= BATCH_DOCUMENTS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def dumped_collections(directory: Path) -> list[tuple[str, str, bool]]:
    """(database, collection, gzipped) of every collection file in a dump."""
    found = []
    for database in sorted(p for p in directory.iterdir() if p.is_dir()):
        for path in sorted(database.iterdir()):
            for suffix, compressed in ((".bson", False), (".bson.gz", True)):
                name = path.name[: -len(suffix)]
                # Users and roles (admin's system.*) are the cluster's, not the services'.
                if path.name.endswith(suffix) and not name.startswith("system."):
                    found.append((database.name, name, compressed))
    return found


async def restore_collection(
    database: AsyncDatabase[Any], name: str, folder: Path, compressed: bool
) -> CollectionCopy:
    """Drop the collection, then put back its options, documents and indexes."""
    meta_path = folder / f"{name}.metadata.json{_suffix(compressed)}"
    metadata: dict[str, Any] = {}
    if meta_path.exists():
        with _open(meta_path, "rb", compressed) as source:
            metadata = json_util.loads(source.read().decode())
    await database.drop_collection(name)
    await database.create_collection(name, **dict(metadata.get("options") or {}))
    collection = database.get_collection(name, codec_options=RAW)
    count = size = 0
    with _open(folder / f"{name}.bson{_suffix(compressed)}", "rb", compressed) as source:
        for batch in _batches(read_documents(source)):
            await collection.insert_many(batch, ordered=False)
            count += len(batch)
            size += sum(len(d.raw) for d in batch)
    indexes = [_index_definition(i) for i in metadata.get("indexes", []) if i.get("name") != "_id_"]
    if indexes:
        await database.command("createIndexes", name, indexes=indexes)
    return CollectionCopy(database.name, name, count, size, len(indexes))


async def restore(
    client: AsyncMongoClient[Any],
    directory: Path,
    databases: list[str] | None = None,
    parallel: int = PARALLEL_COLLECTIONS,
) -> Report:
    """Every collection of the dump in `directory` (or of its `databases`), as `mongorestore
    --drop` does: a collection of the dump replaces the one of that name; the others stay."""
    report = Report(started_at=datetime.now(UTC))
    t0 = time.monotonic()
    report.collections = await _each(
        parallel,
        [
            restore_collection(client[database], name, directory / database, compressed)
            for database, name, compressed in dumped_collections(directory)
            if databases is None or database in databases
        ],
    )
    report.seconds = time.monotonic() - t0
    report.finished_at = datetime.now(UTC)
    return report
