"""The API documents under docs/api: OpenAPI per service, AsyncAPI for the events.

Both are generated from the code (FastAPI for the HTTP APIs, FastStream for the events), with
sorted keys, so that a change of contract shows up as a diff and a stale document fails a test.
A tool above the services: it imports each of them, as no library may.

    uv run python tools/apidocs.py            # write the documents that changed (make docs)
    uv run python tools/apidocs.py --check    # write nothing; exit 1 if one is stale
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI

from contracts import COMPACTED_TOPICS, DEAD_LETTER, EVENT_TYPES, Envelope
from servicekit.auth import DEVELOPMENT_VARIABLE

# Importing a service's main builds its default app from the environment, which needs secrets
# outside development mode; the documents come from the fixed settings below, never from it.
os.environ.setdefault(DEVELOPMENT_VARIABLE, "true")

import companies.config
import companies.main
import gateway.config
import gateway.main
import notifier.config
import notifier.main
import offers.config
import offers.main
import profiles.config
import profiles.main
import recommender.config
import recommender.main
import trainings.config
import trainings.main
from servicekit.auth import InternalAuthSettings


def gateway_settings() -> gateway.config.Settings:
    """The document clients are generated from: production's, without development routes."""
    return gateway.config.Settings(
        mode="production",
        oidc_issuer="https://id.example.org/realms/tremplin",
        oidc_jwks_url="https://id.example.org/realms/tremplin/protocol/openid-connect/certs",
        oidc_client_id="tremplin-web",
        oidc_client_secret="documentation-only-never-signs-in",  # noqa: S106
        internal_auth=InternalAuthSettings(
            token_secret="documentation-only-never-verifies-a-token"  # noqa: S106
        ),
    )


# Each service's app, built from fixed settings so that the environment never changes a document
# (building an app starts nothing: no lifespan runs).
APPS: dict[str, Callable[[], Any]] = {
    "profiles": lambda: profiles.main.create_app(profiles.config.Settings()),
    "offers": lambda: offers.main.create_app(offers.config.Settings()),
    "recommender": lambda: recommender.main.create_app(recommender.config.Settings()),
    "notifier": lambda: notifier.main.create_app(notifier.config.Settings()),
    "companies": lambda: companies.main.create_app(companies.config.Settings()),
    "gateway": lambda: gateway.main.create_app(gateway_settings()),
    "trainings": lambda: trainings.main.create_app(trainings.config.Settings()),
}
SERVICES: tuple[str, ...] = tuple(APPS)
ASYNCAPI_FILE = "asyncapi.json"
DOCS_VERSION = "1"
BROKER_ADDRESS = "127.0.0.1:9092"
DEAD_LETTER_HEADERS = (
    "x-dead-letter-reason",
    "x-dead-letter-kind",
    "x-original-key",
    "x-original-topic",
    "x-original-partition",
    "x-original-offset",
    "x-failed-by",
    "x-failed-at",
)


def openapi_file(service: str) -> str:
    return f"openapi-{service}.json"


def openapi_document(service: str) -> dict[str, Any]:
    document: dict[str, Any] = APPS[service]().openapi()
    return document


def _describe_event(event: type[Any]) -> str:
    summary = inspect.cleandoc(event.__doc__ or "")
    return (
        f"{summary}\n\n"
        f"Envelope `event_type` = `{event.event_type}`, `schema_version` = {event.schema_version}; "
        "the Kafka key is the envelope's `key` (the aggregate id). Headers: `event_type`, "
        "`schema_version`, `event_id`, `content-type: application/json`."
        + (
            " The topic is compacted: on an erasure, a record with the seeker's key and no "
            "value (a tombstone) follows `profile-deleted`; consumers skip it."
            if event.topic in COMPACTED_TOPICS
            else ""
        )
    )


def asyncapi_document() -> dict[str, Any]:
    """AsyncAPI 3.0 of every event topic, from a documentation-only FastStream broker."""
    broker = KafkaBroker(
        BROKER_ADDRESS,
        description=(
            "Local development broker. In production, the cluster's bootstrap address; "
            "tests append a suffix to every topic name."
        ),
    )
    for event in EVENT_TYPES:
        broker.publisher(
            event.topic,
            title=event.topic,
            description=_describe_event(event),
            schema=Envelope[event],  # type: ignore[valid-type]
        )
    broker.publisher(
        DEAD_LETTER,
        title=DEAD_LETTER,
        description=(
            "Messages no retry can fix, set aside by the consumer that failed on them: the "
            "original value, unchanged, with the original headers plus "
            + ", ".join(f"`{name}`" for name in DEAD_LETTER_HEADERS)
            + ". Each letter's key is its own, `<original key>/<topic>:<partition>:<offset>`, "
            "on a compacted topic: an erasure tombstones the seeker's letters. "
            "`tremplin dead-letters list` shows them; `tremplin dead-letters replay` "
            "republishes them to their original topic with their original key."
        ),
    )
    specification = AsyncAPI(
        broker,
        title="Tremplin events",
        version=DOCS_VERSION,
        description=(
            "Every event Tremplin publishes on Kafka, in its envelope. Events are past-tense "
            "facts and carry ids and matching facts, never personal contact data. Delivery is "
            "at least once: consumers deduplicate on `event_id`."
        ),
        schema_version="3.0.0",
    ).to_specification()
    document: dict[str, Any] = specification.to_jsonable()
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, str]:
    """File name → content of every API document."""
    files = {openapi_file(service): render(openapi_document(service)) for service in SERVICES}
    files[ASYNCAPI_FILE] = render(asyncapi_document())
    return files


def write(directory: Path, files: dict[str, str]) -> list[str]:
    """Write the documents that changed; return their names."""
    directory.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, content in sorted(files.items()):
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            changed.append(name)
    return changed


def stale(directory: Path, files: dict[str, str]) -> list[str]:
    """Names of the documents missing from `directory` or different from `files`."""
    return [
        name
        for name, content in sorted(files.items())
        if not (directory / name).exists()
        or (directory / name).read_text(encoding="utf-8") != content
    ]


DOCS_API = Path(__file__).resolve().parents[1] / "docs" / "api"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument("--out", type=Path, default=DOCS_API, help="default: docs/api")
    args = parser.parse_args(argv)
    files = generate()
    if args.check:
        outdated = stale(args.out, files)
        if outdated:
            print(f"stale in {args.out}: {', '.join(outdated)}; run `make docs`", file=sys.stderr)
            return 1
        print(f"{len(files)} documents up to date in {args.out}")
        return 0
    changed = write(args.out, files)
    print(
        f"{len(files)} documents in {args.out}; "
        + (f"changed: {', '.join(changed)}" if changed else "none changed")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
