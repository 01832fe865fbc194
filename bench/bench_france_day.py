"""A France Travail day: 29,000 offers imported at once into a stack holding 100,000 seekers.

Against the running stack (`make bench-france-day` starts it when it is not running):

1. Store ceiling: one short round of bench_store on the stack's store, in this run.
2. Seekers: `--seekers` profiles from libs/demo's generator (the same occupations and places,
   weighted towards the big cities and the occupations employers recruit for most, as the
   offers; no contact data), produced straight to Kafka as `profile-updated` events with this
   run's ids (`f<run>-s...`). The bench waits until every consumer group reading them has
   committed past them (Kafka's committed offsets: no store reads).
3. The day: `--offers` France Travail-format offers from libs/demo's generator (dated today,
   ids `F<run>...`) POSTed in batches of `--batch` to the import endpoint, through the gateway
   (`POST /v1/offers/import`, an operator's development token) or, with `--via offers`, the
   offers service's own route (an internal token). The clock starts with the first request.
4. The wait: until every accepted offer's `offer-published` event is on Kafka, the recommender
   and the notifier have committed everything (`offer-published`, `match-found`), and no new
   `match-found` came for `--quiet` seconds.
5. The count: every `match-found` event published since the import began is read back from
   Kafka, and each alert it announced for this run's offers is looked up by `_id` in the
   notifier's store (no scan). `lost` = announced minus stored (after up to `--settle` seconds
   for stragglers); `all_alerted_s` = the last stored alert's `created_at` minus the first
   import request. `store_floor_s` is the time the store alone would need for the imports and
   the alerts at the ceilings measured in step 1; `store_ratio` = store_floor_s / all_alerted_s.

The seekers and offers stay in the stores: take the recorded figure on a fresh stack
(`make clean`, then `make bench-france-day`), since a second run's offers also match the first
run's seekers.

    make bench-france-day                            # prints the figures
    make bench-france-day BENCH_ARGS=--record        # and records docs/benchmarks.md
    .venv/bin/python bench/bench_france_day.py --seekers 2000 --offers 200   # from bench/

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from bench_e2e import alert_id, produce_all
from common import (
    BenchError,
    Offsets,
    bench_parser,
    keyed_arrivals,
    ratio,
    run_and_report,
    store_ceilings,
    wait_consumed,
)
from pymongo import AsyncMongoClient

from contracts import MATCH_FOUND, OFFER_PUBLISHED, PROFILE_UPDATED, ProfileUpdated, topic_name
from demo.generate import offers as demo_offers
from demo.generate import seekers as demo_seekers
from refdata import Referential, get_referential
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token
from servicekit.settings import KafkaSettings, MongoSettings

FACTS = set(ProfileUpdated.model_fields) - {"seeker_id", "version"}


def seeker_events(run: str, count: int, referential: Referential) -> Iterator[ProfileUpdated]:
    """libs/demo's seekers as the profiles service would publish them: facts, no contact data."""
    for index, (_, document) in enumerate(demo_seekers(count, referential)):
        commune = referential.commune(document["place"]["commune_code"])
        assert commune is not None
        assert commune.latitude is not None
        assert commune.longitude is not None
        facts = {k: v for k, v in document.items() if k in FACTS}
        facts["place"] = {
            "commune_code": commune.insee_code,
            "latitude": commune.latitude,
            "longitude": commune.longitude,
        }
        facts["counsellor_id"] = f"f{run}-c{index // 250:05d}"
        yield ProfileUpdated(seeker_id=f"f{run}-s{index:07d}", version=1, **facts)


async def load_seekers(args: argparse.Namespace, run: str, referential: Referential) -> float:
    kafka = KafkaSettings()
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, linger_ms=5, acks="all", enable_idempotence=True
    )
    await producer.start()
    began = time.monotonic()
    try:
        topic = topic_name(PROFILE_UPDATED, kafka.topic_suffix)
        await produce_all(producer, topic, seeker_events(run, args.seekers, referential))
    finally:
        await producer.stop()
    print(f"  {args.seekers:,} seekers produced in {time.monotonic() - began:.1f} s", flush=True)
    await wait_consumed([PROFILE_UPDATED], args.timeout, "seekers")
    return time.monotonic() - began


async def import_headers(args: argparse.Namespace, client: httpx.AsyncClient) -> dict[str, str]:
    if args.via == "offers":
        token = issue_internal_token(
            Principal(sub="bench-france-day", role=Role.OPERATOR),
            InternalAuthSettings(token_ttl_s=7200),
        )
    else:
        answer = await client.post(
            f"{args.gateway}/v1/auth/dev-token",
            json={"sub": "bench-france-day", "role": "operator"},
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def import_offers(
    args: argparse.Namespace, bodies: list[tuple[int, bytes]], client: httpx.AsyncClient
) -> tuple[int, list[Any]]:
    """POST the batches, `--import-concurrency` at a time; (accepted, rejected records)."""
    url = (
        f"{args.offers_url}/offers/import"
        if args.via == "offers"
        else f"{args.gateway}/v1/offers/import"
    )
    headers = await import_headers(args, client)
    queue = iter(bodies)
    rejected: list[Any] = []
    accepted = 0

    async def worker() -> None:
        nonlocal accepted
        for size, body in queue:
            try:
                answer = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as error:
                raise BenchError(f"import: {type(error).__name__} {error}".rstrip()) from None
            if answer.is_error:
                raise BenchError(f"import: HTTP {answer.status_code} {answer.text[:300]}")
            refused = answer.json().get("rejected", [])
            rejected.extend(refused)
            accepted += size - len(refused)

    await asyncio.gather(*(worker() for _ in range(args.import_concurrency)))
    return accepted, rejected


async def count_published(prefix: bytes, seen: list[int], ready: asyncio.Event) -> None:
    """Count `offer-published` records whose key starts with `prefix`, from now on."""
    topic = topic_name(OFFER_PUBLISHED, KafkaSettings().topic_suffix)
    async for hits in keyed_arrivals(topic, prefix, ready):
        seen[0] += hits


async def match_found_ends() -> dict[TopicPartition, int]:
    kafka = KafkaSettings()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers)
    await consumer.start()
    try:
        topic = topic_name(MATCH_FOUND, kafka.topic_suffix)
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        return dict(await consumer.end_offsets([TopicPartition(topic, p) for p in partitions]))
    finally:
        await consumer.stop()


async def announced_alerts(
    starts: dict[TopicPartition, int], ends: dict[TopicPartition, int], offer_prefix: str
) -> set[str]:
    """Alert ids announced in `match-found` between the offsets, for this run's offers."""
    kafka = KafkaSettings()
    pending = {tp: ends[tp] for tp in ends if ends[tp] > starts.get(tp, 0)}
    found: set[str] = set()
    if not pending:
        return found
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(pending))
        for tp in pending:
            consumer.seek(tp, starts.get(tp, 0))
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=5000)
            for tp, records in batches.items():
                for r in records:
                    if r.offset >= pending.get(tp, 0):
                        continue
                    payload = json.loads(r.value or b"{}").get("payload", {})
                    offer = payload.get("offer_id", "")
                    if offer.startswith(offer_prefix):
                        found.add(alert_id(payload["seeker_id"], offer))
            for tp in list(pending):
                if await consumer.position(tp) >= pending[tp]:
                    del pending[tp]
    finally:
        await consumer.stop()
    return found


async def wait_done(
    args: argparse.Namespace, accepted: int, published: list[int], began: float
) -> float:
    """Seconds from `began` until the offers are published, and matched and alerted."""
    quiet_since, last_end, last_print = None, -1, 0.0
    async with Offsets() as reader:
        while True:
            offsets = await reader.read([OFFER_PUBLISHED, MATCH_FOUND])
            now = time.monotonic()
            lags = {t: end - done if groups else None for t, (done, end, groups) in offsets.items()}
            end = offsets[MATCH_FOUND][1]
            idle = published[0] >= accepted and all(v == 0 for v in lags.values())
            if idle and end == last_end:
                quiet_since = quiet_since or now
                if now - quiet_since >= args.quiet:
                    return quiet_since - began
            else:
                quiet_since = None
            last_end = end
            if now - last_print >= 15:
                print(
                    f"  {now - began:>5.0f} s: {published[0]:,}/{accepted:,} offers published, "
                    f"lag {lags}",
                    flush=True,
                )
                last_print = now
            if now - began > args.timeout:
                raise BenchError(f"not done after {args.timeout:.0f} s (lag {lags})")
            await asyncio.sleep(2.0)


async def stored_alerts(
    args: argparse.Namespace, announced: set[str], mongo: AsyncMongoClient[dict[str, Any]]
) -> tuple[dict[str, datetime], set[str]]:
    """`created_at` of each announced alert the notifier stores (by `_id`), and those missing."""
    alerts = mongo[args.notifier_db]["alerts"]
    stored: dict[str, datetime] = {}
    missing = set(announced)
    deadline = time.monotonic() + args.settle

    async def look_up(queue: Iterator[str]) -> None:
        for key in queue:
            found = await alerts.find_one({"_id": key}, {"created_at": 1})
            if found is not None:
                stored[key] = found.get("created_at") or datetime.now(UTC)

    while True:
        queue = iter(sorted(missing))
        await asyncio.gather(*(look_up(queue) for _ in range(16)))
        missing -= stored.keys()
        print(f"  {len(stored):,} of {len(announced):,} announced alerts stored", flush=True)
        if not missing or time.monotonic() > deadline:
            return stored, missing
        await asyncio.sleep(5.0)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    store = await store_ceilings(args.store_documents)
    referential = get_referential()
    run = uuid.uuid4().hex[:6]
    prefix = f"F{run.upper()}"
    print(f"run f{run}: {args.seekers:,} seekers, {args.offers:,} offers", flush=True)
    seekers_s = await load_seekers(args, run, referential)
    await wait_consumed([OFFER_PUBLISHED, MATCH_FOUND], args.timeout, "earlier work")

    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    records = [
        {**r, "id": f"{prefix}{r['id']}"} for r in demo_offers(args.offers, referential, now=today)
    ]
    batches = [records[i : i + args.batch] for i in range(0, len(records), args.batch)]
    bodies = [(len(batch), json.dumps(batch).encode()) for batch in batches]
    starts = await match_found_ends()
    published, ready = [0], asyncio.Event()
    counter = asyncio.create_task(count_published(prefix.encode(), published, ready))
    await asyncio.wait_for(ready.wait(), 60)
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MongoSettings().url, tz_aware=True)
    timeout = httpx.Timeout(300.0, connect=10.0)
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            began_wall, began = datetime.now(UTC), time.monotonic()
            accepted, rejected = await import_offers(args, bodies, client)
        imported_s = time.monotonic() - began
        print(
            f"  {accepted:,} offers accepted ({len(rejected)} rejected) in {imported_s:.1f} s",
            flush=True,
        )
        if rejected:
            print(f"  e.g. rejected: {rejected[0]}", flush=True)
        done_s = await wait_done(args, accepted, published, began)
        announced = await announced_alerts(starts, await match_found_ends(), prefix)
        print(f"  done after {done_s:.0f} s: {len(announced):,} alerts announced", flush=True)
        stored, missing = await stored_alerts(args, announced, mongo)
    finally:
        counter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await counter
        await mongo.close()
    last = max(stored.values(), default=began_wall)
    all_alerted_s = (last - began_wall).total_seconds()
    floor_s = (
        accepted / store["ceiling_offers_imported_per_s"]
        + len(announced) / store["ceiling_notifier_alerts_per_s"]
    )
    return {
        "offers": accepted,
        "seekers": args.seekers,
        "alerts": len(announced),
        "all_alerted_s": round(all_alerted_s, 1),
        "lost": len(missing),
        "store_floor_s": round(floor_s, 1),
        "store_ratio": ratio(floor_s, all_alerted_s),
        "_offers_rejected": len(rejected),
        "_import_answered_s": round(imported_s, 1),
        "_quiet_after_s": round(done_s, 1),
        "_alerts_per_s": round(len(stored) / all_alerted_s, 1) if all_alerted_s > 0 else None,
        "_lost_examples": sorted(missing)[:5],
        "_seekers_loaded_s": round(seekers_s, 1),
        "_run": f"f{run}",
        "_store": store,
    }


def main() -> None:
    parser = bench_parser(__doc__, store_ceiling=True, services=["gateway", "offers"])
    parser.add_argument("--offers", type=int, default=29_000)
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="Offers per import request.")
    parser.add_argument("--import-concurrency", type=int, default=2)
    parser.add_argument("--via", choices=["gateway", "offers"], default="gateway")
    parser.add_argument("--notifier-db", default="tremplin_notifier")
    parser.add_argument("--quiet", type=float, default=10.0, help="No new match for this long.")
    parser.add_argument("--settle", type=float, default=60.0, help="Wait for stragglers (s).")
    parser.add_argument("--timeout", type=float, default=3600.0)
    run_and_report(parser, run, "bench-france-day", "make bench-france-day", "bench_france_day.py")


if __name__ == "__main__":
    main()
