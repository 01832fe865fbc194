"""What the store itself can do on this machine: the ceiling under every throughput target.

Each service write path costs a known number of store operations (docs/benchmarks.md, "Store
ceiling"). This bench measures those operations alone, on the MongoDB-compatible server the stack
runs (FerretDB locally), with nothing else asking it anything, and derives the best end-to-end
rate each write path could reach if the services and Kafka cost nothing:

- a profile update: one `update_one` by `_id` writing the state and its outbox entry, then the
  relay's `$pullAll` removing the sent entry (the outbox lives in the document: no transactions);
- an imported offer: its share of an `insert_many`, then the relay's `$pullAll`;
- a profile event in the recommender: one write of the seeker's read model (an insert for a new
  seeker, an update for a known one);
- an alert in the notifier: the alert record written before delivery (its dedup key), then its
  status set once delivered.

Baseline, in the same run: the same writes straight into SQLite (the engine under FerretDB here),
one JSON document per row keyed by its id, in one process, so that the ratio shows what the
wire protocol and document layer add.

    make bench-store                                            # prints the figures
    make bench-store BENCH_ARGS=--record                        # and records docs/benchmarks.md
    .venv/bin/python bench/bench_store.py --documents 3000 --rounds 1   # a quick look

Other benches call `measure` (a short round, a few thousand documents) to hold their end-to-end
figures against the store's ceiling in the same run. The last line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from common import bench_parser, report
from pymongo import AsyncMongoClient, UpdateOne

INSERT_CHUNK = 16  # statements per bulk command on FerretDB (servicekit.data.engine)


def document(i: int) -> dict[str, Any]:
    """About the size of a stored profile: matching facts, no contact data, an empty outbox."""
    return {
        "_id": f"doc-{i:07d}",
        "facts": {
            "occupations": [
                {"rome_code": "M1805", "priority": 1},
                {"rome_code": "M1806", "priority": 2},
            ],
            "skills": [f"skill-{k}" for k in range(12)],
            "commune": "69123",
            "coordinates": [45.758, 4.835],
            "radius_km": 30,
            "contracts": ["CDI", "CDD"],
            "minimum_salary": 24000,
        },
        "version": 1,
        "outbox": [],
    }


def entry(i: int) -> dict[str, Any]:
    return {"event_id": str(uuid.UUID(int=i)), "topic": "profile-updated", "value": "x" * 600}


async def timed(operations: list[Callable[[], Awaitable[Any]]], concurrency: int) -> float:
    """Operations per second, `concurrency` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(operation: Callable[[], Awaitable[Any]]) -> None:
        async with gate:
            await operation()

    start = time.perf_counter()
    await asyncio.gather(*(one(op) for op in operations))
    return len(operations) / (time.perf_counter() - start)


async def store_round(url: str, n: int, concurrency: int) -> dict[str, float]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    database = client[f"bench_store_{uuid.uuid4().hex[:8]}"]
    collection = database["docs"]
    try:
        docs = [document(i) for i in range(n)]
        chunks = [docs[k : k + INSERT_CHUNK] for k in range(0, n, INSERT_CHUNK)]
        start = time.perf_counter()
        for chunk in chunks:  # one writer, as an import batch is
            await collection.insert_many(chunk, ordered=False)
        insert_many = n / (time.perf_counter() - start)

        ids = [d["_id"] for d in docs]
        find_one = await timed(
            [lambda i=i: collection.find_one({"_id": i}) for i in ids], concurrency
        )
        # What the data layer's `get_many` sends: one `$in` of up to a hundred ids.
        lookups = [ids[k : k + 100] for k in range(0, n, 100)]
        find_in = (
            await timed(
                [
                    lambda part=part: collection.find({"_id": {"$in": part}}).to_list(None)
                    for part in lookups
                ],
                max(1, concurrency // 4),
            )
            * n
            / len(lookups)
        )
        update_push = await timed(
            [
                lambda k=k, i=i: collection.update_one(
                    {"_id": i}, {"$set": {"version": 2}, "$push": {"outbox": entry(k)}}
                )
                for k, i in enumerate(ids)
            ],
            concurrency,
        )
        pull_all = await timed(
            [
                lambda k=k, i=i: collection.update_one(
                    {"_id": i}, {"$pullAll": {"outbox": [entry(k)]}}
                )
                for k, i in enumerate(ids)
            ],
            concurrency,
        )
        bulk_commands = [
            [UpdateOne({"_id": i}, {"$set": {"status": "sent"}}) for i in ids[k : k + INSERT_CHUNK]]
            for k in range(0, n, INSERT_CHUNK)
        ]
        bulk_update = (
            await timed(
                [lambda c=c: collection.bulk_write(c, ordered=False) for c in bulk_commands],
                max(1, concurrency // 4),
            )
            * INSERT_CHUNK
        )
        leftover = await collection.count_documents({"outbox.0": {"$exists": True}})
        if leftover:
            raise SystemExit(f"bench-store: {leftover} documents kept their outbox entry")
    finally:
        await client.drop_database(database.name)
        await client.close()
    return {
        "insert_many_docs_per_s": insert_many,
        "find_one_per_s": find_one,
        "find_in_docs_per_s": find_in,
        "update_with_event_per_s": update_push,
        "pull_all_per_s": pull_all,
        "bulk_update_docs_per_s": bulk_update,
    }


def sqlite_round(n: int) -> dict[str, float]:
    """The baseline: the same writes, straight into SQLite, a JSON text per row."""
    with tempfile.TemporaryDirectory() as folder:
        connection = sqlite3.connect(os.path.join(folder, "bench.sqlite"))
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT)")
        docs = [document(i) for i in range(n)]
        start = time.perf_counter()
        for k in range(0, n, INSERT_CHUNK):
            with connection:
                connection.executemany(
                    "INSERT INTO docs VALUES (?, ?)",
                    [(d["_id"], json.dumps(d)) for d in docs[k : k + INSERT_CHUNK]],
                )
        insert_many = n / (time.perf_counter() - start)
        start = time.perf_counter()
        for k, d in enumerate(docs):
            (body,) = connection.execute(
                "SELECT body FROM docs WHERE id = ?", (d["_id"],)
            ).fetchone()
            state = json.loads(body)
            state["outbox"].append(entry(k))
            with connection:
                connection.execute(
                    "UPDATE docs SET body = ? WHERE id = ?", (json.dumps(state), d["_id"])
                )
        update_push = n / (time.perf_counter() - start)
        connection.close()
    return {"insert_many_docs_per_s": insert_many, "update_with_event_per_s": update_push}


def ceiling(*rates: float) -> float:
    """Rate of a path that runs these operations one after the other on one store."""
    return 1 / sum(1 / r for r in rates)


async def measure(
    url: str, documents: int, concurrency: int = 16, rounds: int = 1, quiet: bool = False
) -> dict[str, Any]:
    """The store's figures and the `ceiling_*` rates derived from them (medians of the rounds)."""
    store: list[dict[str, float]] = []
    baselines: list[dict[str, float]] = []
    for number in range(1, rounds + 1):
        store.append(await store_round(url, documents, concurrency))
        baselines.append(sqlite_round(documents))
        if not quiet:
            for name, row in (("store", store[-1]), ("sqlite", baselines[-1])):
                print(f"round {number}: {name} {json.dumps({k: round(v) for k, v in row.items()})}")

    def median(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    m = {key: median(store, key) for key in store[0]}
    return {
        **{key: round(value) for key, value in m.items()},
        "baseline_sqlite_insert_docs_per_s": round(median(baselines, "insert_many_docs_per_s")),
        "baseline_sqlite_update_per_s": round(median(baselines, "update_with_event_per_s")),
        "update_vs_baseline": round(
            m["update_with_event_per_s"] / median(baselines, "update_with_event_per_s"), 3
        ),
        # Best end-to-end rates the write paths could reach if everything but the store were free.
        "ceiling_profile_updates_per_s": round(
            ceiling(m["update_with_event_per_s"], m["pull_all_per_s"])
        ),
        "ceiling_offers_imported_per_s": round(
            ceiling(m["insert_many_docs_per_s"], m["pull_all_per_s"])
        ),
        "ceiling_recommender_new_seekers_per_s": round(m["insert_many_docs_per_s"]),
        "ceiling_recommender_known_seekers_per_s": round(m["update_with_event_per_s"]),
        "ceiling_notifier_alerts_per_s": round(
            ceiling(m["insert_many_docs_per_s"], m["bulk_update_docs_per_s"])
        ),
        "documents": documents,
        "concurrency": concurrency,
        "rounds": rounds,
    }


@contextlib.asynccontextmanager
async def stock_ferretdb() -> AsyncIterator[str]:
    """The project's FerretDB build with FerretDB's own SQLite settings (no pragmas), on a free
    port and a data directory of its own: the "stock" side of the comparison."""
    local = Path(os.environ.get("TREMPLIN_LOCAL_DIR") or Path(__file__).parents[1] / ".local")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        process = await asyncio.create_subprocess_exec(
            str(local / "bin" / "ferretdb"),
            f"-listen-addr=127.0.0.1:{port}",
            f"-data-dir={folder}",
            env={**os.environ, "FERRETDB_SQLITE_PARAMS": ""},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            url = f"mongodb://127.0.0.1:{port}/"
            client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
            for _ in range(100):
                with contextlib.suppress(Exception):
                    await client.admin.command("ping")
                    break
                await asyncio.sleep(0.1)
            await client.close()
            yield url
        finally:
            process.terminate()
            await process.wait()


async def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--url", default=os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/"))
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--compare-stock",
        action="store_true",
        help="Also measure FerretDB with its own SQLite settings (a second instance, same build).",
    )
    args = parser.parse_args()
    figures = await measure(args.url, args.documents, args.concurrency, args.rounds)
    if args.compare_stock:
        async with stock_ferretdb() as url:
            stock = await measure(url, args.documents, args.concurrency, args.rounds)
        figures["stock"] = {k: v for k, v in stock.items() if k.endswith("_per_s")}
        figures["tuned_vs_stock_update"] = round(
            figures["update_with_event_per_s"] / stock["update_with_event_per_s"], 2
        )
    notes = "Medians of the rounds. `ceiling_*` figures are upper bounds: the store's time alone."
    report(figures, args, "Store ceiling", "make bench-store", "bench_store.py", notes)


if __name__ == "__main__":
    asyncio.run(main())
