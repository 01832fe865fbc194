"""LHEO import: a generated export of `--sessions` sessions through the trainings CLI, in bounded
memory, held against the store's insert ceiling measured in the same run.

Against the stack's store (`make bench-trainings-import` starts Kafka and FerretDB when they are
not running):

- store ceiling: one short round of bench_store on the stack's store, in this run
  (`insert_many_docs_per_s`: a new session is one inserted document);
- the file: libs/demo's LHEO generator writes `--sessions` sessions to a temporary file
  (not measured);
- first import: `python -m trainings.importer` in a process of its own, into a database of
  its own; the import's time as the CLI measures it (from opening the store to the last write:
  the program's start-up, reference data and Python's compilation, is reported apart as
  `first_process_s`), and the process's peak resident memory (`ru_maxrss`);
- second import of the same file: every session must come back `unchanged`.

Targets: `sessions_per_s` ≥ 2,000 and `peak_rss_mb` ≤ 300 (`import_ratio` is the rate divided by
the store's insert ceiling).

    make bench-trainings-import                          # prints the figures
    make bench-trainings-import BENCH_ARGS=--record      # and records docs/benchmarks.md
    .venv/bin/python bench/bench_trainings_import.py --sessions 5000     # from the root

The last line printed is one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import bench_parser, ratio, report, store_ceilings
from pymongo import AsyncMongoClient

from demo.trainings import write_lheo
from refdata import get_referential
from servicekit.settings import MongoSettings

TARGET_SESSIONS_PER_S = 2000
TARGET_PEAK_RSS_MB = 300


def run_import(path: Path, database: str) -> tuple[float, dict[str, int], float]:
    """Seconds, the CLI's counts, and its peak RSS in MB (the largest child so far)."""
    env = {**os.environ, "TRAININGS_DATABASE": database}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "trainings.importer", str(path), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the import failed: {done.stderr[-2000:]}")
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, counts, peak_mb


async def drop(database: str) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MongoSettings().url)
    try:
        await client.drop_database(database)
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser(__doc__, store_ceiling=True)
    parser.add_argument("--sessions", type=int, default=100_000, help="sessions in the file")
    args = parser.parse_args(argv)

    ceilings = asyncio.run(store_ceilings(args.store_documents))
    ceiling = float(ceilings["insert_many_docs_per_s"])
    database = f"bench_trainings_{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lheo.xml"
        print(f"writing {args.sessions:,} sessions in LHEO", flush=True)
        size = write_lheo(path, args.sessions, get_referential())
        print(f"  {size / 2**20:.1f} MB; importing", flush=True)
        try:
            first_s, first, peak_mb = run_import(path, database)
            print(f"  first import: {first_s:.1f} s {json.dumps(first)}", flush=True)
            second_s, second, peak_mb = run_import(path, database)
            print(f"  second import: {second_s:.1f} s {json.dumps(second)}", flush=True)
        finally:
            asyncio.run(drop(database))
    rate = args.sessions / first["seconds"]
    figures = {
        "sessions": args.sessions,
        "file_mb": round(size / 2**20, 1),
        "first_import_s": first["seconds"],
        "first_process_s": round(first_s, 2),
        "sessions_per_s": round(rate),
        "peak_rss_mb": round(peak_mb, 1),
        "ceiling_store_insert_docs_per_s": round(ceiling),
        "import_ratio": ratio(rate, ceiling),
        "second_import_s": second["seconds"],
        "second_import_unchanged": second["unchanged"],
        "first_import": first,
        "meets_rate_target": rate >= TARGET_SESSIONS_PER_S,
        "meets_memory_target": peak_mb <= TARGET_PEAK_RSS_MB,
        "idempotent": second["unchanged"] == first["accepted"] and second["accepted"] == 0,
    }
    report(
        figures,
        args,
        "bench-trainings-import",
        "make bench-trainings-import",
        "bench_trainings_import.py",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
