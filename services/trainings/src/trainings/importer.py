"""Imports an LHEO file (a region's full export) into the trainings store, with a progress bar.

    python -m trainings.importer export.xml [--batch-size 1000] [--json]

The file is streamed: memory stays bounded whatever its size. The CLI writes to the service's
database (MONGO_URL, TRAININGS_DATABASE); the running service's outbox relay publishes the events
it queued within `TRAININGS_RELAY_SWEEP_INTERVAL_S`. Rejected records are listed with the element
at fault and why; importing the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import BinaryIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from refdata import RefdataUnavailableError, get_lheo_dictionaries, get_referential
from servicekit.data import Database
from servicekit.mongo import mongo_client
from trainings.config import Settings
from trainings.domain.formation import Vocabulary
from trainings.importing import ImportReport, import_lheo, vocabulary
from trainings.lheo_reader import NotLheoError
from trainings.store import SessionStore


async def import_source(
    source: BinaryIO,
    size: int,
    words: Vocabulary,
    settings: Settings,
    batch_size: int,
    console: Console,
) -> ImportReport:
    columns = (
        TextColumn("[bold]importing"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TextColumn("{task.fields[sessions]} sessions"),
        TimeRemainingColumn(),
    )
    async with mongo_client(settings.mongo) as client:
        store = SessionStore(await Database.open(client[settings.database], settings.mongo.engine))
        await store.create_indexes()
        with Progress(*columns, console=console) as progress:
            task = progress.add_task("import", total=size, sessions=0)
            reader = progress.wrap_file(source, task_id=task)

            def advanced(report: ImportReport, queued: list[str]) -> None:
                progress.update(task, sessions=report.sessions)

            return await import_lheo(reader, store, words, batch_size=batch_size, on_batch=advanced)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainings.importer", description=__doc__)
    parser.add_argument("file", type=Path, help="an LHEO document (XML)")
    parser.add_argument("--batch-size", type=int, default=None, help="sessions written at once")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON at the end")
    arguments = parser.parse_args(argv)
    settings = Settings()
    console = Console(stderr=True)
    batch_size = arguments.batch_size or settings.import_batch_size
    try:
        words = vocabulary(get_referential(), get_lheo_dictionaries())
        with arguments.file.open("rb") as source:
            size = arguments.file.stat().st_size
            started = time.perf_counter()
            report = asyncio.run(import_source(source, size, words, settings, batch_size, console))
            seconds = time.perf_counter() - started
    except (OSError, NotLheoError, RefdataUnavailableError) as error:
        console.print(f"[red]import failed:[/red] {error}")
        return 1
    for issue in report.rejections:
        console.print(f"rejected {issue.element}: {issue.reason}")
    for issue in report.notices:
        console.print(f"notice {issue.element}: {issue.reason}")
    counts = {
        "accepted": report.accepted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "closed": report.closed,
    }
    console.print(", ".join(f"{name} {count}" for name, count in counts.items()))
    console.print(f"in {seconds:.1f} s ({report.sessions / max(seconds, 1e-9):,.0f} sessions/s)")
    if arguments.json:  # with the import's own time, the program's start-up left out
        print(json.dumps({**counts, "seconds": round(seconds, 3)}))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
