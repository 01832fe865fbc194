"""Ingestion throughput, end to end, against the running stack.

profile_updates_per_s: PUT /seekers/{id}/profile with a changed radius, through HTTP, the
profiles store and its outbox relay, until the matching `profile-updated` events are read back
from Kafka. offers_imported_per_s: France Travail-format offers POSTed in batches to the offers
service, until their `offer-published` events are read back from Kafka. The baseline is the
same client hitting `/health/live` of the same service: the cost of HTTP alone on this machine.

    make bench-ingest        # (starts the stack if needed)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from common import record

from demo.generate import offers as demo_offers
from demo.generate import seekers as demo_seekers
from refdata import get_referential
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

KAFKA = "127.0.0.1:9092"


def operator() -> dict[str, str]:
    token = issue_internal_token(
        Principal(sub="bench", role=Role.OPERATOR), InternalAuthSettings(token_ttl_s=3600)
    )
    return {"Authorization": f"Bearer {token}"}


async def count_events(topic: str, prefix: bytes, wanted: int, started: asyncio.Event) -> float:
    """Wait for `wanted` records whose key starts with `prefix`; return when (monotonic)."""
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
        seen = 0
        while seen < wanted:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for batch in batches.values():
                seen += sum(1 for r in batch if r.key and r.key.startswith(prefix))
        return time.monotonic()
    finally:
        await consumer.stop()


async def drive(calls: list[Callable[[], Awaitable[httpx.Response]]], concurrency: int) -> None:
    queue = iter(calls)

    async def worker() -> None:
        for call in queue:
            response = await call()
            response.raise_for_status()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def http_baseline(url: str, requests: int, concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits) as c:
        began = time.monotonic()
        await drive([lambda: c.get("/health/live") for _ in range(requests)], concurrency)
        return requests / (time.monotonic() - began)


async def profile_updates(url: str, seekers: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6]
    referential = get_referential()
    documents = [(f"bench-{run}-{sid}", doc) for sid, doc in demo_seekers(seekers, referential, 7)]
    headers = operator()
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        # First write: creates every profile (version 1), not measured.
        await drive(
            [
                (lambda s=sid, d=doc: client.put(f"/seekers/{s}/profile", json=d, headers=headers))
                for sid, doc in documents
            ],
            concurrency,
        )
        await asyncio.sleep(2)
        started = asyncio.Event()
        counter = asyncio.create_task(
            count_events("profile-updated", f"bench-{run}-".encode(), seekers, started)
        )
        await started.wait()
        changed = [(sid, {**doc, "radius_km": doc["radius_km"] + 5}) for sid, doc in documents]
        began = time.monotonic()
        await drive(
            [
                (lambda s=sid, d=doc: client.put(f"/seekers/{s}/profile", json=d, headers=headers))
                for sid, doc in changed
            ],
            concurrency,
        )
        finished = await asyncio.wait_for(counter, 120)
    return seekers / (finished - began)


async def offers_import(url: str, count: int, batch: int, concurrency: int) -> float:
    run = uuid.uuid4().hex[:6].upper()
    referential = get_referential()
    records = [{**r, "id": f"B{run}{r['id']}"} for r in demo_offers(count, referential, seed=11)]
    batches = [records[i : i + batch] for i in range(0, len(records), batch)]
    headers = operator()
    started = asyncio.Event()
    counter = asyncio.create_task(
        count_events("offer-published", f"B{run}".encode(), count, started)
    )
    await started.wait()
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        began = time.monotonic()
        await drive(
            [(lambda b=b: client.post("/offers/import", json=b, headers=headers)) for b in batches],
            concurrency,
        )
        finished = await asyncio.wait_for(counter, 300)
    return count / (finished - began)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    baseline = await http_baseline(args.profiles_url, 5000, args.concurrency)
    profiles_rate = await profile_updates(args.profiles_url, args.seekers, args.concurrency)
    offers_rate = await offers_import(args.offers_url, args.offers, args.batch, 2)
    return {
        "profile_updates_per_s": round(profiles_rate),
        "offers_imported_per_s": round(offers_rate),
        "baseline_http_req_per_s": round(baseline),
        "profile_updates_vs_baseline": round(profiles_rate / baseline, 3),
        "seekers": args.seekers,
        "offers": args.offers,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--profiles-url", default="http://127.0.0.1:8001")
    parser.add_argument("--offers-url", default="http://127.0.0.1:8002")
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments))
    arguments_given = " ".join(sys.argv[1:])
    record(
        "bench-ingest", f"make bench-ingest  # bench_ingest.py {arguments_given}".rstrip(), figures
    )
    print(json.dumps(figures))
