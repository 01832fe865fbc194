"""France Travail offers as users hold them: a JSON array of records, JSON lines (one record per
line), or the Offres d'emploi API's search response saved as it is (`{"resultats": [...]}`).

The import endpoints and the operator's CLI read all three through `records_of`.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

JSON_LINES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines")
Record = dict[str, Any]


class SearchResponse(BaseModel):
    """France Travail's search response (`GET /offres/search`), kept as downloaded."""

    model_config = ConfigDict(extra="allow")

    resultats: list[Record] = Field(description="The offers, in France Travail's format.")


class NotRecordsError(ValueError):
    """The text is not France Travail records; the message says where and why."""


def records_of(document: Any) -> list[Any]:
    """The records of a decoded JSON document: an array, or a search response's `resultats`."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("resultats"), list):
        return list(document["resultats"])
    raise NotRecordsError(
        "expected a JSON array of records, or France Travail's search response "
        '(an object with "resultats")'
    )


def parse_records(text: str) -> list[Any]:
    """Records of a JSON document (array or search response), or of JSON lines."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if text.lstrip().startswith("["):
            raise NotRecordsError(
                f"line {error.lineno}, column {error.colno}: {error.msg}"
            ) from None
        return parse_json_lines(text)
    if isinstance(document, dict) and "resultats" not in document:
        return [document]  # JSON lines of one record
    return records_of(document)


def parse_json_lines(text: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise NotRecordsError(f"line {number}: {error.msg}") from None
    return records
