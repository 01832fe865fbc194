"""Imports a France Travail offers file into the offers service, batch by batch, over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from contracts.offer_import import NotRecordsError, parse_records
from servicekit.auth import InternalAuthSettings, InternalBearer, Principal, Role

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
    """Records of a JSON array, of France Travail's search response as downloaded
    (`{"resultats": [...]}`), or of JSON lines (one record per line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFileError(f"{path}: {error}") from None
    try:
        return parse_records(text)
    except NotRecordsError as error:
        raise ImportFileError(f"{path}, {error}") from None


def batches(records: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for start in range(0, len(records), size):
        yield start, records[start : start + size]


def operator(auth: InternalAuthSettings) -> InternalBearer:
    """The CLI's credentials, signed anew as they age: a big file takes longer than a token."""
    return InternalBearer(Principal(sub=OPERATOR, role=Role.OPERATOR), auth)


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
    bearer = operator(auth)
    for start, batch in batches(records, batch_size):
        response = await client.post("/offers/import", json=batch, auth=bearer)
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
