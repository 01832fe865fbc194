"""Seeds a running platform with demo seekers and offers, through the services' own APIs.

    python -m demo --seekers 200 --offers 300

Deterministic ids: seeding twice changes nothing (the services see identical profiles and offers).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx

from demo.generate import offers, seekers
from demo.trainings import lheo_document
from refdata import get_referential
from servicekit.auth import InternalAuthSettings, InternalBearer, Principal, Role
from servicekit.terminal_progress import progress_bar

OFFER_BATCH = 1000


def operator() -> InternalBearer:
    """The seeder's credentials, renewed as they age: seeding a million seekers takes long."""
    return InternalBearer(Principal(sub="demo-seeder", role=Role.OPERATOR), InternalAuthSettings())


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


async def put(client: httpx.AsyncClient, path: str, body: Any, attempts: int = 3) -> httpx.Response:
    """PUT is idempotent: a connection the server closed as the request went out is tried again."""
    for attempt in range(attempts):
        try:
            return await client.put(path, json=body)
        except httpx.TransportError:
            if attempt + 1 == attempts:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


async def seed_seekers(url: str, count: int, seed: int, concurrency: int = 32) -> int:
    referential = get_referential()
    failures = 0
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=30, auth=operator()
    ) as client:
        with progress_bar() as progress:
            task = progress.add_task("seekers", total=count)
            for batch in _batches(seekers(count, referential, seed), concurrency * 4):
                responses = await asyncio.gather(
                    *(client.put(f"/seekers/{sid}/profile", json=profile) for sid, profile in batch)
                )
                for response in responses:
                    if response.status_code >= 400:
                        failures += 1
                        progress.console.print(
                            f"[red]{response.status_code}[/] {response.text[:200]}"
                        )
                progress.advance(task, len(batch))
    return failures


async def seed_offers(url: str, count: int, seed: int) -> int:
    referential = get_referential()
    rejected = 0
    async with httpx.AsyncClient(base_url=url, timeout=120, auth=operator()) as client:
        with progress_bar() as progress:
            task = progress.add_task("offers", total=count)
            # Dated from today (at midnight, so that seeding twice the same day changes nothing):
            # offers dated from a fixed day would expire and be refused as out of date.
            today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            for batch in _batches(offers(count, referential, seed, now=today), OFFER_BATCH):
                response = await client.post("/offers/import", json=batch)
                response.raise_for_status()
                for problem in response.json().get("rejected", []):
                    rejected += 1
                    progress.console.print(f"[red]rejected[/] {problem}")
                progress.advance(task, len(batch))
    return rejected


async def seed_trainings(url: str, sessions: int, seed: int) -> int:
    """Training sessions in LHEO, dated from today: seeding twice the same day changes nothing."""
    document = "".join(lheo_document(sessions, get_referential(), seed)).encode()
    async with httpx.AsyncClient(base_url=url, timeout=300, auth=operator()) as client:
        response = await client.post(
            "/trainings/import", content=document, headers={"Content-Type": "application/xml"}
        )
        response.raise_for_status()
    return int(response.json()["rejected"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seekers", type=int, default=200, help="how many seekers (up to 1,000,000)"
    )
    parser.add_argument("--offers", type=int, default=300, help="how many offers (up to 100,000)")
    parser.add_argument(
        "--trainings", type=int, default=100, help="how many training sessions (up to 20,000)"
    )
    parser.add_argument("--seed", type=int, default=42, help="same seed, same data")
    parser.add_argument(
        "--profiles-url", default=os.environ.get("TREMPLIN_PROFILES_URL", "http://127.0.0.1:8001")
    )
    parser.add_argument(
        "--offers-url", default=os.environ.get("TREMPLIN_OFFERS_URL", "http://127.0.0.1:8002")
    )
    parser.add_argument(
        "--trainings-url",
        default=os.environ.get("TREMPLIN_TRAININGS_URL", "http://127.0.0.1:8006"),
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        failed = asyncio.run(seed_seekers(args.profiles_url, args.seekers, args.seed))
        rejected = asyncio.run(seed_offers(args.offers_url, args.offers, args.seed))
        if args.trainings:
            rejected += asyncio.run(seed_trainings(args.trainings_url, args.trainings, args.seed))
    except httpx.HTTPError as error:
        print(f"demo: a service did not answer: {error!r}", file=sys.stderr)  # noqa: T201
        return 1
    print(  # noqa: T201
        f"demo: {args.seekers - failed} seekers, {args.offers} offers and {args.trainings} "
        "training sessions seeded "
        f"in {time.monotonic() - started:.1f} s "
        f"({failed} seekers failed, {rejected} offers or sessions rejected)"
    )
    return 1 if failed or rejected else 0
