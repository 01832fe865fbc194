import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from rich.progress import Progress

from offers.importer import import_records, main, read_records
from servicekit.auth import InternalAuthSettings, Role, read_internal_token


def test_a_json_array_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "offers.json"
    path.write_text(json.dumps([{"id": "A"}, {"id": "B"}]), encoding="utf-8")

    assert read_records(path) == [{"id": "A"}, {"id": "B"}]


def test_a_json_lines_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "offers.jsonl"
    path.write_text('{"id": "A"}\n\n{"id": "B"}\n', encoding="utf-8")

    assert read_records(path) == [{"id": "A"}, {"id": "B"}]


def test_a_broken_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "offers.jsonl"
    path.write_text('{"id": "A"}\n{"id": \n', encoding="utf-8")

    with pytest.raises(ValueError, match="line 2"):
        read_records(path)


def test_records_are_posted_in_batches_and_rejections_indexed_in_the_file() -> None:
    batches: list[list[Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        principal = read_internal_token(
            request.headers["authorization"].removeprefix("Bearer "), InternalAuthSettings()
        )
        assert principal.role is Role.SERVICE
        batch = json.loads(request.content)
        batches.append(batch)
        rejected = [
            {"index": i, "id": r.get("id"), "field": "romeCode", "reason": "unknown"}
            for i, r in enumerate(batch)
            if r.get("bad")
        ]
        accepted = len(batch) - len(rejected)
        body = {"accepted": accepted, "updated": 0, "unchanged": 0, "rejected": rejected}
        return httpx.Response(200, json=body)

    records = [{"id": f"R{n}", "bad": n in (1, 4)} for n in range(5)]
    client = httpx.Client(transport=httpx.MockTransport(answer), base_url="http://offers")
    with Progress(console=Console(quiet=True)) as progress:
        totals = import_records(records, client, batch_size=2, progress=progress)

    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert totals["accepted"] == 3
    assert [(r["index"], r["id"]) for r in totals["rejected"]] == [(1, "R1"), (4, "R4")]


def test_the_command_fails_cleanly_when_the_service_does_not_answer(tmp_path: Path) -> None:
    path = tmp_path / "offers.json"
    path.write_text("[]", encoding="utf-8")
    missing = tmp_path / "missing.json"

    assert main([str(missing)]) == 1
    assert main([str(path), "--url", "http://127.0.0.1:9"]) == 0  # nothing to send
