"""End to end: from an `offer-published` event to the alert on a seeker's live stream.

Against the running stack (Kafka, FerretDB, the five services; `make bench-e2e` starts it):

1. produces `--seekers` generated `profile-updated` events straight to Kafka, in groups of
   `--group-size` seekers who want the same occupation in the same commune (real ROME codes and
   commune coordinates), and waits until the recommender has stored them all;
2. opens the live stream of a sample of `--listeners` seekers through the gateway
   (`GET /v1/me/notifications/stream` with a development token, as the mobile app does), one
   seeker in each of as many groups, spread over the whole run;
3. produces `offer-published` events straight to Kafka at a fixed open-loop rate (`--rate` per
   second for `--duration` seconds), each offer aimed at one group (10 positions: the recommender
   alerts up to 50 seekers per offer);
4. measures, per alert received on a sampled stream, the time from the offer's send to the
   alert's arrival; and the notifier's pace: alerts it stored for this run over the time from the
   first offer sent to the last alert stored.

    .venv/bin/python bench/bench_e2e.py --seekers 100000 --rate 20 --duration 60 --listeners 300

The seekers stay in the stack's stores afterwards (ids `b<run>-...`); erase the stack's data
(`make clean`) once the benchmarks are done. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from common import percentile, record
from pymongo import AsyncMongoClient

from contracts import (
    MATCH_FOUND,
    OFFER_PUBLISHED,
    PROFILE_UPDATED,
    MatchFound,
    OfferPublished,
    ProfileUpdated,
    encode,
    headers_for,
    new_envelope,
    topic_name,
)
from refdata import Referential, get_referential
from servicekit.settings import KafkaSettings, MongoSettings


@dataclass(frozen=True)
class Group:
    rome_code: str
    commune_code: str
    latitude: float
    longitude: float


def groups_of(referential: Referential, count: int, seed: int) -> list[Group]:
    """`count` (occupation, commune) pairs drawn with `seed`. Each run draws its own (the seed
    defaults to the run id): the seekers of earlier runs stay in the stores, and with the same
    pairs they would be alerted of this run's offers too, multiplying the notifier's work."""
    rng = random.Random(seed)
    romes = sorted(referential.occupations)
    places = sorted(
        (c.insee_code, c.latitude, c.longitude)
        for c in referential.communes.values()
        if c.latitude is not None and c.longitude is not None and 41 < c.latitude < 51.5
    )
    found = []
    for _ in range(count):
        code, latitude, longitude = rng.choice(places)
        assert latitude is not None
        assert longitude is not None
        found.append(Group(rng.choice(romes), code, latitude, longitude))
    return found


def seeker_id(run: str, group: int, member: int, group_size: int) -> str:
    return f"b{run}-{group * group_size + member:07d}"


def profile(run: str, group: Group, number: int, seeker: str) -> ProfileUpdated:
    return ProfileUpdated(
        seeker_id=seeker,
        version=1,
        counsellor_id=f"b{run}-c{number // 250}",
        occupations=[{"rome_code": group.rome_code, "priority": 1}],
        experience_years=5,
        languages=["fr"],
        place={
            "commune_code": group.commune_code,
            "latitude": group.latitude,
            "longitude": group.longitude,
        },
        radius_km=30,
        contract_types=[{"contract_type": "CDI", "priority": 1}],
    )


def offer(run: str, number: int, group: Group) -> OfferPublished:
    return OfferPublished(
        offer_id=f"b{run}-o{number:06d}",
        version=1,
        title=f"Offre de test {number}",
        rome_code=group.rome_code,
        place={
            "commune_code": group.commune_code,
            "latitude": group.latitude,
            "longitude": group.longitude,
        },
        contract_type="CDI",
        working_time="full_time",
        experience_required="D",
        positions=10,
        published_at=datetime.now(UTC),
        origin="partner",
    )


def matches(run: str, number: int, group: int, group_size: int) -> list[MatchFound]:
    """What the recommender publishes for an offer aimed at a group (`--source matches`)."""
    return [
        MatchFound(
            seeker_id=seeker_id(run, group, member, group_size),
            offer_id=f"b{run}-o{number:06d}",
            offer_version=1,
            profile_version=1,
            score=0.9 - member / (10 * group_size),
            reasons=[{"code": "occupation_exact", "text": "C'est le métier que vous cherchez."}],
            offer_title=f"Offre de test {number}",
            rome_code="K2204",
            distance_km=3.0,
            counsellor_id=f"b{run}-c{(group * group_size + member) // 250}",
            needs_review=False,
        )
        for member in range(group_size)
    ]


async def produce(producer: AIOKafkaProducer, topic: str, payload: Any) -> Any:
    envelope = new_envelope(payload, producer="bench")
    return await producer.send(
        topic,
        encode(envelope),
        key=envelope.key.encode(),
        headers=[(k, v.encode()) for k, v in headers_for(envelope).items()],
    )


@dataclass
class Listener:
    seeker_id: str
    # Alerts for this run's offers only: a new seeker is also matched against the offers earlier
    # runs left open (same occupations, same communes), and those alerts come first.
    offer_prefix: str
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[tuple[str, float]] = field(default_factory=list)
    earlier: int = 0
    error: str | None = None


async def listen(client: httpx.AsyncClient, listener: Listener) -> None:
    response = await client.post(
        "/v1/auth/dev-token", json={"sub": listener.seeker_id, "role": "seeker"}
    )
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    try:
        async with client.stream("GET", "/v1/me/notifications/stream", headers=headers) as stream:
            if stream.status_code != 200:
                listener.error = f"stream answered {stream.status_code}"
                listener.connected.set()
                return
            listener.connected.set()
            async for line in stream.aiter_lines():
                if line.startswith("data:"):
                    data = json.loads(line[5:].strip())
                    if data.get("kind") != "match" or not data.get("offer_id"):
                        continue
                    if data["offer_id"].startswith(listener.offer_prefix):
                        listener.received.append((data["offer_id"], time.time()))
                    else:
                        listener.earlier += 1
    except httpx.HTTPError as error:
        listener.error = f"{type(error).__name__}: {error}"
        listener.connected.set()


async def wait_stored(collection: Any, prefix: str, count: int, timeout_s: float, what: str) -> int:
    deadline = time.monotonic() + timeout_s
    query = {"_id": {"$regex": f"^{prefix}"}}
    stored = 0
    while time.monotonic() < deadline:
        stored = int(await collection.count_documents(query))
        print(f"  {stored:>8,} / {count:,} {what}", flush=True)
        if stored >= count:
            return stored
        await asyncio.sleep(3.0)
    raise SystemExit(f"only {stored} of {count} {what} after {timeout_s:.0f} s")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    referential = get_referential()
    kafka = KafkaSettings()
    mongo = MongoSettings()
    run_id = uuid.uuid4().hex[:6]
    group_count = math.ceil(args.seekers / args.group_size)
    seed = args.seed if args.seed is not None else int(run_id, 16)
    groups = groups_of(referential, group_count, seed)
    offers = int(args.rate * args.duration)
    if offers > group_count:
        raise SystemExit(f"{offers} offers need as many groups; raise --seekers")

    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, linger_ms=5, acks="all", enable_idempotence=True
    )
    await producer.start()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url, tz_aware=True)
    try:
        print(
            f"run b{run_id}: {args.seekers:,} seekers in {group_count:,} groups (seed {seed})",
            flush=True,
        )
        profiles_topic = topic_name(PROFILE_UPDATED, kafka.topic_suffix)
        pending = []
        for number in range(args.seekers if args.source == "offers" else 0):
            group, member = divmod(number, args.group_size)
            seeker = seeker_id(run_id, group, member, args.group_size)
            pending.append(
                await produce(
                    producer, profiles_topic, profile(run_id, groups[group], number, seeker)
                )
            )
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        loading = time.perf_counter()
        if args.source == "offers":
            await wait_stored(
                client[args.recommender_db]["seekers"],
                f"b{run_id}-",
                args.seekers,
                args.load_timeout,
                "seekers stored by the recommender",
            )
        load_s = time.perf_counter() - loading

        # One listener in each of `listeners` groups spread over the offers to come.
        step = max(1, offers // args.listeners)
        sampled = list(range(0, offers, step))[: args.listeners]
        listeners = [
            Listener(seeker_id(run_id, g, 0, args.group_size), f"b{run_id}-o") for g in sampled
        ]
        limits = httpx.Limits(max_connections=len(listeners) + 20, max_keepalive_connections=20)
        timeout = httpx.Timeout(30.0, read=None)
        async with httpx.AsyncClient(base_url=args.gateway, limits=limits, timeout=timeout) as http:
            tasks = [asyncio.create_task(listen(http, listener)) for listener in listeners]
            await asyncio.wait_for(
                asyncio.gather(*(listener.connected.wait() for listener in listeners)), 120
            )
            failed = [listener.error for listener in listeners if listener.error]
            if failed:
                raise SystemExit(f"{len(failed)} streams failed, e.g. {failed[0]}")
            await asyncio.sleep(2.0)  # the streams' first (empty) reads are done
            print(f"  {len(listeners)} streams open through the gateway", flush=True)

            offers_topic = topic_name(OFFER_PUBLISHED, kafka.topic_suffix)
            matches_topic = topic_name(MATCH_FOUND, kafka.topic_suffix)
            sent_at: dict[str, float] = {}
            started = time.time()
            clock = time.perf_counter()
            behind = 0.0
            sends = []
            for number in range(offers):
                due = clock + number / args.rate
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                else:
                    behind = max(behind, -wait)
                event = offer(run_id, number, groups[number])
                sent_at[event.offer_id] = time.time()
                if args.source == "offers":
                    sends.append(await produce(producer, offers_topic, event))
                else:
                    for match in matches(run_id, number, number, args.group_size):
                        sends.append(await produce(producer, matches_topic, match))
            await asyncio.gather(*sends)
            print(f"  {offers} offers sent in {time.time() - started:.1f} s", flush=True)

            expected = len(listeners)
            deadline = time.monotonic() + args.drain
            while time.monotonic() < deadline:
                if sum(1 for lst in listeners if lst.received) >= expected:
                    break
                await asyncio.sleep(0.5)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        alerts = client[args.notifier_db]["alerts"]
        query = {"_id": {"$regex": f"^b{run_id}-"}}
        stored = await alerts.count_documents(query)
        last = (
            await alerts.find(query, {"created_at": 1}).sort("created_at", -1).limit(1).to_list(1)
        )
        last_at = last[0]["created_at"].timestamp() if last else started
        latencies = [
            (at - sent_at[offer_id]) * 1000
            for listener in listeners
            for offer_id, at in listener.received
            if offer_id in sent_at
        ]
    finally:
        await producer.stop()
        await client.close()
    return {
        "rate_offers_per_s": args.rate,
        "seekers": args.seekers,
        "alerts": len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "notifier_alerts_per_s": round(stored / max(last_at - started, 1e-3), 1),
        "_listeners": len(listeners),
        "_listeners_alerted": sum(1 for listener in listeners if listener.received),
        "_alerts_for_earlier_runs_offers": sum(listener.earlier for listener in listeners),
        "_offers": offers,
        "_duration_s": args.duration,
        "_alerts_stored_by_notifier": stored,
        "_last_alert_after_s": round(last_at - started, 1),
        "_producer_behind_max_s": round(behind, 3),
        "_seeker_load_s": round(load_s, 1),
        "_source": args.source,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--group-size", type=int, default=50, help="Seekers each offer suits.")
    parser.add_argument("--rate", type=float, default=20.0, help="Offers per second.")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds of offers.")
    parser.add_argument("--listeners", type=int, default=300, help="Seekers' streams opened.")
    parser.add_argument("--drain", type=float, default=60.0, help="Wait for late alerts (s).")
    parser.add_argument("--load-timeout", type=float, default=3600.0)
    parser.add_argument(
        "--seed", type=int, default=None, help="Draws the groups (default: from the run id)."
    )
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument(
        "--source",
        choices=["offers", "matches"],
        default="offers",
        help="offers: offer-published through the recommender (the benchmark); matches: the"
        " recommender's match-found events produced directly, to time the notifier alone.",
    )
    parser.add_argument("--recommender-db", default="tremplin_recommender")
    parser.add_argument("--notifier-db", default="tremplin_notifier")
    parser.add_argument("--no-record", action="store_true", help="Do not write docs/benchmarks.md")
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(json.dumps(figures), flush=True)
    result = {k: v for k, v in figures.items() if not k.startswith("_")}
    if not args.no_record:
        command = (
            f".venv/bin/python bench/bench_e2e.py --seekers {args.seekers} --rate {args.rate} "
            f"--duration {args.duration} --listeners {args.listeners} --source {args.source}"
        )
        record("bench-e2e", command, figures)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
