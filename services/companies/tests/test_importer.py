"""The CLI's batching: rows go in batches with the header, rejections come back with the line of
the file (the service itself is tested in the integration tests)."""

from pathlib import Path

import httpx
from rich.console import Console
from rich.progress import Progress

from companies.importer import batches, import_file

FILE = (
    "siret,raisonsociale,codenaf,codecommune,coordinates_x,coordinates_y\n"
    "11111111100011,A,4759A,57463,6.1,49.1\n"
    "\n"
    "22222222200022,B,4759A,57463,6.1,49.1\n"
    "33333333300033,C,4759A,57463,6.1,49.1\n"
)


def test_each_batch_carries_the_header_and_the_lines_of_its_rows() -> None:
    found = list(batches(FILE.encode(), 2))
    assert [lines for lines, _ in found] == [[2, 4], [5]]
    assert all(body.startswith("siret,raisonsociale") for _, body in found)


def test_rejections_are_reported_with_the_line_of_the_file(tmp_path: Path) -> None:
    def service(request: httpx.Request) -> httpx.Response:
        assert request.headers["content-type"] == "text/csv"
        # The service names the first row of each batch (line 2 of the batch) as rejected.
        siret = request.content.decode().splitlines()[1].split(",")[0]
        rejected = [{"line": 2, "siret": siret, "column": "codenaf", "reason": "bad"}]
        return httpx.Response(
            200, json={"accepted": 1, "updated": 0, "unchanged": 0, "rejected": rejected}
        )

    path = tmp_path / "establishments.csv"
    path.write_text(FILE)
    client = httpx.Client(transport=httpx.MockTransport(service), base_url="http://companies")
    with Progress(console=Console(quiet=True)) as progress:
        totals = import_file(path, client, 2, progress)
    assert totals["accepted"] == 2
    assert [(r["line"], r["siret"]) for r in totals["rejected"]] == [
        (2, "11111111100011"),
        (5, "33333333300033"),
    ]
