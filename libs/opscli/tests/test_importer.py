"""`tremplin import`: files read as France Travail records, posted in batches as an operator."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from opscli.cli import app
from opscli.importer import ImportFileError, import_records, read_records
from servicekit.auth import InternalAuthSettings, Role, read_internal_token

AUTH = InternalAuthSettings()


class FakeOffers:
    """Answers POST /offers/import like the offers service; rejects records without `id`."""

    def __init__(self) -> None:
        self.batches: list[list[Any]] = []
        self.roles: list[Role] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/offers/import")
        token = request.headers["authorization"].removeprefix("Bearer ")
        self.roles.append(read_internal_token(token, AUTH).role)
        batch = json.loads(request.content)
        self.batches.append(batch)
        rejected = [
            {"index": i, "id": None, "field": "id", "reason": "missing"}
            for i, record in enumerate(batch)
            if "id" not in record
        ]
        return httpx.Response(
            200,
            json={
                "accepted": len(batch) - len(rejected),
                "updated": 0,
                "unchanged": 0,
                "rejected": rejected,
            },
        )


async def test_records_go_in_batches_with_an_operator_token_and_rejections_keep_their_place() -> (
    None
):
    offers = FakeOffers()
    records: list[Any] = [{"id": str(i)} for i in range(5)]
    records[3] = {"intitule": "no id"}
    done: list[int] = []
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(offers), base_url="http://offers"
    ) as client:
        totals = await import_records(records, client, 2, AUTH, on_batch=done.append)

    assert [len(b) for b in offers.batches] == [2, 2, 1]
    assert set(offers.roles) == {Role.OPERATOR}
    assert done == [2, 2, 1]
    assert totals.accepted == 4
    assert [r["index"] for r in totals.rejected] == [3]


async def test_a_refused_batch_stops_the_import_with_the_services_words() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(413, json={"detail": "1001 records; send at most 1000"})

    async with httpx.AsyncClient(
        transport=httpx.MockTransport(refuse), base_url="http://offers"
    ) as client:
        with pytest.raises(httpx.HTTPStatusError, match="413: 1001 records; send at most 1000"):
            await import_records([{}], client, 10, AUTH)


def test_a_json_array_and_json_lines_read_the_same(tmp_path: Path) -> None:
    records = [{"id": "1"}, {"id": "2"}]
    array = tmp_path / "offers.json"
    array.write_text(json.dumps(records))
    lines = tmp_path / "offers.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")

    assert read_records(array) == read_records(lines) == records


def test_the_search_response_of_france_travail_reads_as_saved(tmp_path: Path) -> None:
    records = [{"id": "1"}, {"id": "2"}]
    saved = tmp_path / "search.json"
    saved.write_text(json.dumps({"resultats": records, "filtresPossibles": []}))

    assert read_records(saved) == records


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ('{"id": "1"}\n{"id": \n', "offers.jsonl, line 2"),
        ('[{"id": "1"},\n {"id" "2"}]', "offers.jsonl, line 2, column 8"),
        ('{"not": "a list"}', None),
    ],
)
def test_a_broken_file_names_the_line_at_fault(
    tmp_path: Path, content: str, where: str | None
) -> None:
    path = tmp_path / "offers.jsonl"
    path.write_text(content)
    if where is None:
        assert read_records(path) == [{"not": "a list"}]  # one JSON-lines record
        return
    with pytest.raises(ImportFileError, match=where):
        read_records(path)


def test_the_command_reports_a_broken_file_without_calling_anyone(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    path = tmp_path / "offers.json"
    path.write_text("[{")

    result = CliRunner().invoke(app, ["import", str(path), "--offers-url", "http://127.0.0.1:9"])

    assert result.exit_code == 2
    assert "offers.json, line 1" in result.output
