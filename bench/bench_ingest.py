"""Ingestion throughput, end to end, against the running stack.

profile_updates_per_s: PUT /seekers/{id}/profile with a changed radius, through HTTP, the
profiles store and its outbox relay, until the matching `profile-updated` events are read back
from Kafka. offers_imported_per_s: France Travail-format offers POSTed in batches to the offers
service, until their `offer-published` events are read back from Kafka. The baseline is the
same client hitting `/health/live` of the same service: the cost of HTTP alone on this machine.

    make bench-ingest        # (starts the stack if needed)
    .venv/bin/python bench/bench_ingest.py --seekers 1000 --offers 4000   # a short run

The last line printed is {"profile_updates_per_s": ..., "offers_imported_per_s": ...}; the line
before it, and docs/benchmarks.md, hold the details. A phase that cannot finish (a service down, an
error answer, events that do not all come back in time) stops the run with one line saying which.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from common import record

from demo.generate import offers as demo_offers
from demo.generate import seekers as demo_seekers
from refdata import get_referential
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

KAFKA = "127.0.0.1:9092"


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def operator() -> dict[str, str]:
    token = issue_internal_token(
        Principal(sub="bench", role=Role.OPERATOR), InternalAuthSettings(token_ttl_s=3600)
    )
    return {"Authorization": f"Bearer {token}"}


async def count_events(
    topic: str, prefix: bytes, wanted: int, started: asyncio.Event, seen: list[int] | None = None
) -> float:
    """Wait for `wanted` records whose key starts with `prefix`; return when (monotonic)."""
    seen = [0] if seen is None else seen
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=KAFKA, auto_offset_reset="latest", enable_auto_commit=False
    )
    await consumer.start()
    try:
        while not consumer.assignment():  # noqa: ASYNC110 - aiokafka offers no event for it
            await asyncio.sleep(0.05)
        for partition in consumer.assignment():
            await consumer.seek_to_end(partition)
            await consumer.position(partition)
        started.set()
        while seen[0] < wanted:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for batch in batches.values():
                seen[0] += sum(1 for r in batch if r.key and r.key.startswith(prefix))
        return time.monotonic()
    finally:
        await consumer.stop()


async def drive(
    what: str, calls: Sequence[Callable[[], Awaitable[httpx.Response]]], concurrency: int
) -> None:
    queue = iter(calls)

    async def worker() -> None:
        for call in queue:
            try:
                response = await call()
            except httpx.HTTPError as error:
                raise BenchError(f"{what}: {type(error).__name__} {error}".rstrip()) from None
            if response.is_error:
                raise BenchError(f"{what}: HTTP {response.status_code} {response.text[:300]}")

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def events_back(
    what: str, counter: asyncio.Task[float], seen: list[int], wanted: int, timeout_s: float
) -> float:
    try:
        return await asyncio.wait_for(counter, timeout_s)
    except TimeoutError:
        message = f"{what}: {seen[0]} of {wanted} events back from Kafka after {timeout_s:.0f} s"
        raise BenchError(message) from None


def client_for(url: str, concurrency: int, read_timeout_s: float) -> httpx.AsyncClient:
    """Keep-alive connections, one per concurrent caller; bounded but generous timeouts."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(read_timeout_s, connect=10.0)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout)


async def http_baseline(url: str, requests: int, concurrency: int) -> float:
    async with client_for(url, concurrency, 30) as c:
        began = time.monotonic()
        calls = [lambda: c.get("/health/live") for _ in range(requests)]
        await drive(f"baseline GET {url}/health/live", calls, concurrency)
        return requests / (time.monotonic() - began)


async def profile_updates(url: str, seekers: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6]
    referential = get_referential()
    documents = [(f"bench-{run}-{sid}", doc) for sid, doc in demo_seekers(seekers, referential, 7)]
    headers = operator()
    async with client_for(url, concurrency, 120) as client:
        # First write: creates every profile (version 1), not measured.
        await drive(
            f"creating {seekers} profiles (PUT {url}/seekers/{{id}}/profile)",
            [
                (lambda s=sid, d=doc: client.put(f"/seekers/{s}/profile", json=d, headers=headers))
                for sid, doc in documents
            ],
            concurrency,
        )
        await asyncio.sleep(2)
        started, seen = asyncio.Event(), [0]
        counter = asyncio.create_task(
            count_events("profile-updated", f"bench-{run}-".encode(), seekers, started, seen)
        )
        await started.wait()
        changed = [(sid, {**doc, "radius_km": doc["radius_km"] + 5}) for sid, doc in documents]
        began = time.monotonic()
        await drive(
            f"updating {seekers} profiles",
            [
                (lambda s=sid, d=doc: client.put(f"/seekers/{s}/profile", json=d, headers=headers))
                for sid, doc in changed
            ],
            concurrency,
        )
        sent = time.monotonic() - began
        finished = await events_back("profile-updated", counter, seen, seekers, 120)
    print(f"profiles: {seekers} updates answered in {sent:.1f} s", file=sys.stderr)
    return seekers / (finished - began)


async def offers_import(url: str, count: int, batch: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6].upper()
    referential = get_referential()
    records = [{**r, "id": f"B{run}{r['id']}"} for r in demo_offers(count, referential, seed=11)]
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    headers = operator()
    started, seen = asyncio.Event(), [0]
    counter = asyncio.create_task(
        count_events("offer-published", f"B{run}".encode(), count, started, seen)
    )
    await started.wait()
    async with client_for(url, concurrency, 300) as client:
        began = time.monotonic()
        await drive(
            f"importing {count} offers (POST {url}/offers/import, {batch} a request)",
            [(lambda b=b: client.post("/offers/import", json=b, headers=headers)) for b in batches],
            concurrency,
        )
        sent = time.monotonic() - began
        finished = await events_back("offer-published", counter, seen, count, 300)
    print(f"offers: {count} imported (answered) in {sent:.1f} s", file=sys.stderr)
    return count / (finished - began)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    baseline = await http_baseline(args.profiles_url, 2000, args.concurrency)
    profiles_rate = await profile_updates(args.profiles_url, args.seekers, args.concurrency)
    offers_rate = await offers_import(
        args.offers_url, args.offers, args.batch, args.import_concurrency
    )
    return {
        "profile_updates_per_s": round(profiles_rate),
        "offers_imported_per_s": round(offers_rate),
        "baseline_http_req_per_s": round(baseline),
        "profile_updates_vs_baseline": round(profiles_rate / baseline, 3),
        "seekers": args.seekers,
        "offers": args.offers,
        "concurrency": args.concurrency,
        "batch": args.batch,
        "import_concurrency": args.import_concurrency,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--concurrency", type=int, default=32, help="concurrent HTTP callers for profiles"
    )
    parser.add_argument(
        "--import-concurrency", type=int, default=2, help="import requests in flight at once"
    )
    parser.add_argument("--profiles-url", default="http://127.0.0.1:8001")
    parser.add_argument("--offers-url", default="http://127.0.0.1:8002")
    arguments = parser.parse_args()
    try:
        figures = asyncio.run(main(arguments))
    except BenchError as error:
        sys.exit(f"bench-ingest failed: {error}")
    arguments_given = " ".join(sys.argv[1:])
    record(
        "bench-ingest", f"make bench-ingest  # bench_ingest.py {arguments_given}".rstrip(), figures
    )
    print(json.dumps(figures))
    targets = ("profile_updates_per_s", "offers_imported_per_s")
    print(json.dumps({key: figures[key] for key in targets}))
