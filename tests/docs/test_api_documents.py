"""The committed API documents (docs/api) match the code: a contract change regenerates them."""

import json
from pathlib import Path

import apidocs
import pytest

from contracts import ALL_TOPICS, EVENT_TYPES

DOCS_API = Path(__file__).resolve().parents[2] / "docs" / "api"


@pytest.fixture(scope="module")
def generated() -> dict[str, str]:
    return apidocs.generate()


def test_committed_documents_match_the_code(generated: dict[str, str]) -> None:
    stale = apidocs.stale(DOCS_API, generated)
    assert not stale, (
        f"API documents out of date in docs/api: {', '.join(stale)}; "
        "run `make docs` and commit the result"
    )


def test_no_document_is_left_over_from_a_removed_service(generated: dict[str, str]) -> None:
    committed = {path.name for path in DOCS_API.glob("*.json")}
    assert committed == set(generated), (
        f"docs/api holds {sorted(committed - set(generated))} that nothing generates; "
        "run `make docs` and delete what is left over"
    )


def test_generation_is_stable(generated: dict[str, str]) -> None:
    assert apidocs.generate() == generated


def test_every_service_has_its_openapi_document(generated: dict[str, str]) -> None:
    for service in apidocs.SERVICES:
        document = json.loads(generated[apidocs.openapi_file(service)])
        assert document["info"]["title"] == f"Tremplin {service}"
        assert "/health/ready" in document["paths"]


def test_asyncapi_has_every_topic_with_its_envelope(generated: dict[str, str]) -> None:
    document = json.loads(generated[apidocs.ASYNCAPI_FILE])
    assert document["asyncapi"] == "3.0.0"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(ALL_TOPICS)
    schemas = document["components"]["schemas"]
    for event in EVENT_TYPES:
        envelope = schemas[f"Envelope[{event.__name__}]"]
        assert set(envelope["required"]) >= {"event_type", "producer", "key", "payload"}
        payload = schemas[event.__name__]
        described = [p for p in payload["properties"].values() if "description" in p]
        assert described, f"{event.__name__}: fields without descriptions"


def test_a_changed_or_missing_document_counts_as_stale(
    tmp_path: Path, generated: dict[str, str]
) -> None:
    apidocs.write(tmp_path, generated)
    assert apidocs.stale(tmp_path, generated) == []
    changed = apidocs.openapi_file("offers")
    (tmp_path / changed).write_text(generated[changed].replace('"Tremplin offers"', '"Old"'))
    (tmp_path / apidocs.ASYNCAPI_FILE).unlink()

    assert apidocs.stale(tmp_path, generated) == [apidocs.ASYNCAPI_FILE, changed]


def test_the_published_gateway_document_has_no_development_route(
    generated: dict[str, str],
) -> None:
    paths = json.loads(generated[apidocs.openapi_file("gateway")])["paths"]
    assert not [path for path in paths if path.startswith("/v1/auth/")]
