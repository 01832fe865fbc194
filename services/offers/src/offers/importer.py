"""Imports a France Travail offers file into the offers service, batch by batch.

    python -m offers.importer offers.json [--url http://127.0.0.1:8002] [--batch-size 1000]

The file holds a JSON array of records, or one record per line (JSON lines). Rejected records are
listed with their position in the file, the field at fault and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from servicekit.auth import InternalAuthSettings, service_headers

SERVICE = "offers-importer"


def read_records(path: Path) -> list[Any]:
    """Records of a JSON array file, or of a JSON lines file."""
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        records = json.loads(stripped)
        if not isinstance(records, list):
            raise ValueError(f"{path}: expected a JSON array of records")
        return records
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}, line {number}: {error.msg}") from None
    return records


def batches(records: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for start in range(0, len(records), size):
        yield start, records[start : start + size]


def import_records(
    records: list[Any], client: httpx.Client, batch_size: int, progress: Progress
) -> dict[str, Any]:
    """Post `records` in batches; totals over all batches, rejections indexed in `records`."""
    totals: dict[str, Any] = {"accepted": 0, "updated": 0, "unchanged": 0, "rejected": []}
    auth = InternalAuthSettings()
    task = progress.add_task("import", total=len(records))
    for start, batch in batches(records, batch_size):
        # A fresh token per batch: internal tokens live a minute, a big file takes longer.
        response = client.post("/offers/import", json=batch, headers=service_headers(SERVICE, auth))
        response.raise_for_status()
        answer = response.json()
        for key in ("accepted", "updated", "unchanged"):
            totals[key] += answer[key]
        for rejected in answer["rejected"]:
            totals["rejected"].append({**rejected, "index": start + rejected["index"]})
        progress.advance(task, len(batch))
    return totals


def import_file(
    path: Path, url: str, batch_size: int, console: Console, timeout_s: float = 120.0
) -> dict[str, Any]:
    records = read_records(path)
    columns = (
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with (
        httpx.Client(base_url=url, timeout=timeout_s) as client,
        Progress(*columns, console=console) as progress,
    ):
        return import_records(records, client, batch_size, progress)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offers.importer", description=__doc__)
    parser.add_argument("file", type=Path, help="JSON array or JSON lines of France Travail offers")
    parser.add_argument("--url", default="http://127.0.0.1:8002", help="offers service address")
    parser.add_argument(
        "--batch-size", type=int, default=1000, help="records per request (at most 5,000)"
    )
    arguments = parser.parse_args(argv)
    console = Console(stderr=True)
    try:
        totals = import_file(arguments.file, arguments.url, arguments.batch_size, console)
    except (OSError, ValueError, httpx.HTTPError) as error:
        console.print(f"[red]import failed:[/red] {error}")
        return 1
    for rejected in totals["rejected"]:
        console.print(
            f"record {rejected['index']} ({rejected['id'] or 'no id'}): "
            f"{rejected['field']}: {rejected['reason']}"
        )
    console.print(
        f"accepted {totals['accepted']}, updated {totals['updated']}, "
        f"unchanged {totals['unchanged']}, rejected {len(totals['rejected'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
