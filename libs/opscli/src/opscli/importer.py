"""Imports a France Travail offers file into the offers service, batch by batch, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

OPERATOR = "tremplin-cli"


class ImportFileError(ValueError):
    """The file cannot be read as France Travail records; the message says where."""


@dataclass
class ImportTotals:
    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def read_records(path: Path) -> list[Any]:
    """Records of a JSON array file, or of a JSON-lines file (one record per line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: {error}") from None
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise ImportFileError(
                f"{path}, line {error.lineno}, column {error.colno}: {error.msg}"
            ) from None
        if not isinstance(records, list):
            raise ImportFileError(f"{path}: expected a JSON array of records")
        return records
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ImportFileError(f"{path}, line {number}: {error.msg}") from None
    return records


def batches(records: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for start in range(0, len(records), size):
        yield start, records[start : start + size]


def operator_headers(auth: InternalAuthSettings) -> dict[str, str]:
    token = issue_internal_token(Principal(sub=OPERATOR, role=Role.OPERATOR), auth)
    return {"Authorization": f"Bearer {token}"}


def explain(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail", response.text)
    except (ValueError, AttributeError):
        detail = response.text
    return f"the offers service answered {response.status_code}: {str(detail)[:500]}"


async def import_records(
    records: list[Any],
    client: httpx.AsyncClient,
    batch_size: int,
    auth: InternalAuthSettings,
    on_batch: Callable[[int], None] = lambda done: None,
) -> ImportTotals:
    """POST /offers/import batch by batch; rejections are indexed in `records`, from 0."""
    totals = ImportTotals()
    for start, batch in batches(records, batch_size):
        # A fresh token per batch: internal tokens live a minute, a big file takes longer.
        response = await client.post("/offers/import", json=batch, headers=operator_headers(auth))
        if response.status_code >= 400:
            raise httpx.HTTPStatusError(
                explain(response), request=response.request, response=response
            )
        answer = response.json()
        totals.accepted += answer["accepted"]
        totals.updated += answer["updated"]
        totals.unchanged += answer["unchanged"]
        totals.rejected.extend(
            {**rejected, "index": start + rejected["index"]} for rejected in answer["rejected"]
        )
        on_batch(len(batch))
    return totals
