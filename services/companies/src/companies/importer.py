"""Imports an establishments file in La Bonne Boîte's format into the companies service.

    python -m companies.importer establishments.csv [--url http://127.0.0.1:8005] [--batch-size N]

Rows go in batches; rejected rows are listed with their line in the file, the column at fault
and why. Importing the same file again changes nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from refdata.files import decode
from servicekit.auth import InternalAuthSettings, service_headers

SERVICE = "companies-importer"


def batches(raw: bytes, size: int) -> Iterator[tuple[list[int], str]]:
    """(line of each row in the file, the batch as CSV with the file's header)."""
    text = decode(raw)
    delimiter = max(",;|", key=text.split("\n", 1)[0].count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return
    lines: list[int] = []
    rows: list[list[str]] = []
    for row in reader:
        if not row:
            continue
        lines.append(reader.line_num)
        rows.append(row)
        if len(rows) == size:
            yield lines, _csv(header, rows)
            lines, rows = [], []
    if rows:
        yield lines, _csv(header, rows)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def count_rows(raw: bytes) -> int:
    return sum(len(lines) for lines, _ in batches(raw, 10_000))


def import_file(
    path: Path, client: httpx.Client, batch_size: int, progress: Progress
) -> dict[str, Any]:
    raw = path.read_bytes()
    totals: dict[str, Any] = {"accepted": 0, "updated": 0, "unchanged": 0, "rejected": []}
    auth = InternalAuthSettings()
    task = progress.add_task("import", total=count_rows(raw))
    for lines, body in batches(raw, batch_size):
        # A fresh token per batch: internal tokens live a minute, a big file takes longer.
        headers = {**service_headers(SERVICE, auth), "Content-Type": "text/csv"}
        response = client.post("/companies/import", content=body.encode(), headers=headers)
        response.raise_for_status()
        answer = response.json()
        for key in ("accepted", "updated", "unchanged"):
            totals[key] += answer[key]
        for rejected in answer["rejected"]:
            # Line 2 of a batch is its first row.
            totals["rejected"].append({**rejected, "line": lines[rejected["line"] - 2]})
        progress.advance(task, len(lines))
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m companies.importer", description=__doc__)
    parser.add_argument("file", type=Path, help="establishments in La Bonne Boîte's CSV format")
    parser.add_argument("--url", default="http://127.0.0.1:8005", help="companies service address")
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per request")
    arguments = parser.parse_args(argv)
    console = Console(stderr=True)
    columns = (
        TextColumn("[bold]importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with (
            httpx.Client(base_url=arguments.url, timeout=300) as client,
            Progress(*columns, console=console) as progress,
        ):
            totals = import_file(arguments.file, client, arguments.batch_size, progress)
    except (OSError, ValueError, httpx.HTTPError) as error:
        console.print(f"[red]import failed:[/red] {error}")
        return 1
    for rejected in totals["rejected"]:
        console.print(
            f"line {rejected['line']} ({rejected['siret'] or 'no SIRET'}): "
            f"{rejected['column']}: {rejected['reason']}"
        )
    console.print(
        f"accepted {totals['accepted']}, updated {totals['updated']}, "
        f"unchanged {totals['unchanged']}, rejected {len(totals['rejected'])}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
