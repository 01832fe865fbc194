"""End to end: the notifier's sustained capacity, then latency from an offer to the seeker's phone.

Against the running stack (Kafka, FerretDB, the five services; `make bench-e2e` starts it):

1. Store ceiling: one short round of bench_store on the stack's store, in this run
   (`ceiling_notifier_alerts_per_s`: the store's time alone for an alert's writes).
2. Seekers: `--seekers` `profile-updated` events produced straight to Kafka, in groups of
   `--group-size` seekers who want the same occupation in the same commune (real ROME codes and
   commune coordinates; each run draws its own groups). The bench waits until every consumer
   group reading `profile-updated` has committed past them (Kafka's committed offsets: no store
   reads), then checks a sample of the seekers by `_id` in the recommender's store.
3. Capacity under overload: for `--capacity-duration` seconds the bench keeps more alerts
   waiting than the pipeline can take (a backlog of `--backlog-s` seconds of work, at least
   `--backlog-min` alerts, topped up every second with offers aimed at whole groups), and reads,
   from the notifier's committed offsets on `match-found`, how many alerts it has handled per
   second once steady (after the first `--warmup` seconds). That is `capacity_alerts_per_s`;
   `capacity_ratio` holds it against the store's ceiling. Which stage held the backlog (the
   recommender or the notifier) is reported too. The backlog is then drained.
4. Latency at half the capacity: the live streams of `--listeners` seekers are opened through
   the gateway (`GET /v1/me/notifications/stream`, development tokens, as the mobile app does),
   spread over the groups the offers will target; offers are produced at a fixed open-loop rate
   of half the capacity (in alerts per second) for `--duration` seconds, each aimed at a fresh
   group. Latency, per alert on a sampled stream: arrival minus the offer's send (same clock).
   An alert still missing after `--drain` seconds counts with the time waited (a lower bound).

`--source matches` produces the recommender's `match-found` events instead of offers: the
notifier and the gateway alone. The seekers stay in the stack's stores (`b<run>-...` ids);
`make clean` wipes them once the benchmarks are done.

    make bench-e2e                                   # 100,000 seekers, prints the figures
    make bench-e2e BENCH_ARGS=--record               # and records docs/benchmarks.md
    .venv/bin/python bench/bench_e2e.py --seekers 2000 --capacity-duration 20 --duration 10
    # ^ a short look (run from bench/)

The last line printed is one JSON object.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from common import (
    Offsets,
    bench_parser,
    consumed_offsets,
    percentile,
    ratio,
    run_and_report,
    store_ceilings,
    wait_consumed,
)
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


def alert_id(seeker: str, offer: str) -> str:
    """The notifier's key of an alert (notifier.service.alert_id_of)."""
    return f"{seeker}:{offer}"


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


def offer(offer_id: str, group: Group) -> OfferPublished:
    return OfferPublished(
        offer_id=offer_id,
        version=1,
        title=f"Offre de test {offer_id}",
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


def matches(run: str, offer_id: str, group: int, group_size: int) -> list[MatchFound]:
    """What the recommender publishes for an offer aimed at a group (`--source matches`)."""
    return [
        MatchFound(
            seeker_id=seeker_id(run, group, member, group_size),
            offer_id=offer_id,
            offer_version=1,
            profile_version=1,
            score=0.9 - member / (10 * group_size),
            reasons=[{"code": "occupation_exact", "params": {"rome_code": "K2204"}}],
            offer_title=f"Offre de test {offer_id}",
            rome_code="K2204",
            distance_km=3.0,
            counsellor_id=f"b{run}-c{(group * group_size + member) // 250}",
            needs_review=False,
        )
        for member in range(group_size)
    ]


async def produce(producer: AIOKafkaProducer, topic: str, payload: Any) -> Any:
    """Queue one event; returns the future of its delivery."""
    envelope = new_envelope(payload, producer="bench")
    return await producer.send(
        topic,
        encode(envelope),
        key=envelope.key.encode(),
        headers=[(k, v.encode()) for k, v in headers_for(envelope).items()],
    )


async def produce_all(producer: AIOKafkaProducer, topic: str, payloads: Iterable[Any]) -> int:
    pending, sent = [], 0
    for payload in payloads:
        pending.append(await produce(producer, topic, payload))
        sent += 1
        if len(pending) >= 5000:
            await asyncio.gather(*pending)
            pending.clear()
            if sent % 20_000 == 0:
                print(f"  {sent:>8,} produced", flush=True)
    await asyncio.gather(*pending)
    return sent


@dataclass
class Stack:
    """What the bench talks to, and this run's groups."""

    args: argparse.Namespace
    run_id: str
    groups: list[Group]
    producer: AIOKafkaProducer
    mongo: AsyncMongoClient[dict[str, Any]]
    kafka: KafkaSettings

    def topic(self, base: str) -> str:
        return topic_name(base, self.kafka.topic_suffix)

    async def aim(self, offer_id: str, group: int) -> list[Any]:
        """Send an offer (or its matches) at one group; the futures of the sends."""
        if self.args.source == "offers":
            event = offer(offer_id, self.groups[group])
            return [await produce(self.producer, self.topic(OFFER_PUBLISHED), event)]
        return [
            await produce(self.producer, self.topic(MATCH_FOUND), match)
            for match in matches(self.run_id, offer_id, group, self.args.group_size)
        ]


async def load_seekers(stack: Stack) -> dict[str, Any]:
    args, run_id = stack.args, stack.run_id
    began = time.perf_counter()

    def payloads() -> Iterable[ProfileUpdated]:
        for number in range(args.seekers):
            group, member = divmod(number, args.group_size)
            seeker = seeker_id(run_id, group, member, args.group_size)
            yield profile(run_id, stack.groups[group], number, seeker)

    await produce_all(stack.producer, stack.topic(PROFILE_UPDATED), payloads())
    produced = time.perf_counter()
    print(f"  {args.seekers:,} profile-updated produced in {produced - began:.1f} s", flush=True)
    await wait_consumed([PROFILE_UPDATED], args.load_timeout, "seekers")
    stored = time.perf_counter()
    # Committed offsets say the consumers are past the events; a sample read by `_id` says the
    # recommender has them (a filter on `_id` alone: no collection scan on FerretDB).
    rng = random.Random(run_id)
    sample = rng.sample(range(args.seekers), min(200, args.seekers))
    seekers = stack.mongo[args.recommender_db]["seekers"]
    found = 0
    for number in sample:
        group, member = divmod(number, args.group_size)
        sid = seeker_id(run_id, group, member, args.group_size)
        found += await seekers.find_one({"_id": sid}, {"_id": 1}) is not None
    print(f"  seekers handled after {stored - began:.1f} s; sample by _id {found}/{len(sample)}")
    if found < len(sample):
        print(
            f"  WARNING: {len(sample) - found} sampled seekers are not in {args.recommender_db}"
            ".seekers: is the recommender running (only live consumer groups are waited for)?",
            flush=True,
        )
    return {
        "_seekers_produced_s": round(produced - began, 1),
        "_seekers_stored_s": round(stored - began, 1),
        "_seekers_sample_found": f"{found}/{len(sample)}",
    }


async def find_capacity(stack: Stack, groups: list[int]) -> dict[str, Any]:
    """Keep a backlog in front of the pipeline and read how fast the notifier works through it."""
    args = stack.args
    per_offer = args.group_size
    upstream = [OFFER_PUBLISHED] if args.source == "offers" else []
    samples: list[tuple[float, int, int, int]] = []  # time, handled, notifier lag, upstream lag
    sent_offers: list[tuple[str, int]] = []
    began = time.monotonic()
    rate_estimate = 0.0
    async with Offsets() as reader:
        while (now := time.monotonic()) - began < args.capacity_duration:
            offsets = await reader.read([MATCH_FOUND, *upstream])
            handled, produced, readers = offsets[MATCH_FOUND]
            # No group has committed on match-found before the first alerts: nothing handled yet.
            if readers > 1:
                raise SystemExit(
                    f"capacity: {readers} live consumer groups read match-found; the bench"
                    " reads the notifier's pace from the one group's committed offsets"
                )
            waiting_offers = sum(end - done for done, end, _ in (offsets[t] for t in upstream))
            samples.append((now, handled, produced - handled, waiting_offers))
            recent = [s for s in samples if s[0] >= now - 10]
            if len(recent) >= 2 and recent[-1][0] > recent[0][0]:
                rate_estimate = (recent[-1][1] - recent[0][1]) / (recent[-1][0] - recent[0][0])
            # What is visible on Kafka, or what the bench sent and the notifier has not handled
            # yet, whichever is larger: matches the recommender has made but not yet published
            # are on neither topic.
            sent_alerts = len(sent_offers) * per_offer - (handled - samples[0][1])
            backlog = max((produced - handled) + waiting_offers * per_offer, sent_alerts)
            target = max(args.backlog_min, args.backlog_s * rate_estimate)
            sends = []
            for _ in range(max(0, math.ceil((target - backlog) / per_offer))):
                number = len(sent_offers)
                offer_id = f"b{stack.run_id}-c{number:06d}"
                group = groups[number % len(groups)]
                sent_offers.append((offer_id, group))
                sends += await stack.aim(offer_id, group)
            await asyncio.gather(*sends)
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - now)))
    steady = [s for s in samples if s[0] - began >= args.warmup]
    if len(steady) < 2:
        raise SystemExit("capacity: too few samples after the warm-up; raise --capacity-duration")
    (t0, h0, _, _), (t1, h1, _, _) = steady[0], steady[-1]
    capacity = (h1 - h0) / (t1 - t0)
    notifier_lag = sum(s[2] for s in steady) / len(steady)
    upstream_lag = sum(s[3] for s in steady) / len(steady) * per_offer
    starved = sum(1 for s in steady if s[2] == 0 and s[3] == 0)
    print(
        f"  capacity {capacity:.1f} alerts/s over {t1 - t0:.0f} s; mean backlog: notifier "
        f"{notifier_lag:.0f}, before the recommender {upstream_lag:.0f} alerts; "
        f"{len(sent_offers)} offers sent",
        flush=True,
    )
    return {
        "capacity": capacity,
        "offers": sent_offers,
        "_capacity_window_s": round(t1 - t0, 1),
        "_capacity_offers_sent": len(sent_offers),
        "_capacity_mean_backlog_notifier": round(notifier_lag),
        "_capacity_mean_backlog_recommender": round(upstream_lag),
        "_capacity_samples_without_backlog": starved,
        "_capacity_held_by": "not overloaded"
        if starved > len(steady) // 4
        else ("notifier" if notifier_lag >= upstream_lag else "recommender"),
    }


async def stored_sample(stack: Stack, offers: list[tuple[str, int]], size: int) -> str:
    """How many of a sample of the alerts these offers called for the notifier has, by `_id`."""
    args = stack.args
    rng = random.Random(stack.run_id)
    wanted = [
        alert_id(seeker_id(stack.run_id, group, rng.randrange(args.group_size), args.group_size), o)
        for o, group in rng.sample(offers, min(size, len(offers)))
    ]
    alerts = stack.mongo[args.notifier_db]["alerts"]
    found = sum([await alerts.find_one({"_id": a}, {"_id": 1}) is not None for a in wanted])
    return f"{found}/{len(wanted)}"


@dataclass
class Listener:
    seeker_id: str
    offer_id: str  # the one offer of this run aimed at the seeker's group
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    alerted: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: float | None = None
    others: int = 0
    error: str | None = None


async def listen(client: httpx.AsyncClient, listener: Listener) -> None:
    try:
        response = await client.post(
            "/v1/auth/dev-token", json={"sub": listener.seeker_id, "role": "seeker"}
        )
        response.raise_for_status()
        headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
        async with client.stream("GET", "/v1/me/notifications/stream", headers=headers) as stream:
            if stream.status_code != 200:
                listener.error = f"stream answered {stream.status_code}"
                listener.connected.set()
                return
            listener.connected.set()
            async for line in stream.aiter_lines():
                if not line.startswith("data:"):
                    continue
                data = json.loads(line[5:].strip())
                if data.get("kind") != "match" or not data.get("offer_id"):
                    continue
                if data["offer_id"] == listener.offer_id and listener.arrived is None:
                    listener.arrived = time.time()
                    listener.alerted.set()
                else:
                    listener.others += 1
    except httpx.HTTPError as error:
        listener.error = f"{type(error).__name__}: {error}"
        listener.connected.set()


async def measure_latency(stack: Stack, alerts_per_s: float, groups: list[int]) -> dict[str, Any]:
    args = stack.args
    offers_per_s = alerts_per_s / args.group_size
    count = max(1, round(offers_per_s * args.duration))
    if count > len(groups):
        raise SystemExit(f"{count} offers need as many fresh groups; raise --seekers")
    planned = [(f"b{stack.run_id}-l{n:06d}", groups[n]) for n in range(count)]
    # Listeners spread over the offers: members 0, 1, ... of each targeted group in turn.
    per_group = min(args.group_size, max(1, math.ceil(args.listeners / count)))
    listeners = [
        Listener(seeker_id(stack.run_id, group, member, args.group_size), offer_id)
        for member in range(per_group)
        for offer_id, group in planned[:: max(1, count // args.listeners)]
    ][: args.listeners]
    print(
        f"latency: {offers_per_s:.2f} offers/s ({alerts_per_s:.1f} alerts/s) for "
        f"{args.duration:.0f} s, {len(listeners)} streams",
        flush=True,
    )
    limits = httpx.Limits(max_connections=len(listeners) + 20, max_keepalive_connections=20)
    timeout = httpx.Timeout(30.0, read=None)
    async with httpx.AsyncClient(base_url=args.gateway, limits=limits, timeout=timeout) as http:
        tasks = [asyncio.create_task(listen(http, listener)) for listener in listeners]
        await asyncio.wait_for(asyncio.gather(*(lst.connected.wait() for lst in listeners)), 180)
        failed = [listener.error for listener in listeners if listener.error]
        if failed:
            raise SystemExit(f"{len(failed)} streams failed, e.g. {failed[0]}")
        await asyncio.sleep(2.0)  # the streams' first (empty) reads are done
        print(f"  {len(listeners)} streams open through the gateway", flush=True)

        sent_at: dict[str, float] = {}
        clock = time.perf_counter()
        behind = 0.0
        sends = []
        for number, (offer_id, group) in enumerate(planned):
            wait = clock + number / offers_per_s - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                behind = max(behind, -wait)
            sent_at[offer_id] = time.time()
            sends += await stack.aim(offer_id, group)
        await asyncio.gather(*sends)
        print(f"  {count} offers sent in {time.perf_counter() - clock:.1f} s", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(lst.alerted.wait() for lst in listeners)), args.drain
            )
        ended = time.time()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    received = [(lst.arrived - sent_at[lst.offer_id]) * 1000 for lst in listeners if lst.arrived]
    missing = [(ended - sent_at[lst.offer_id]) * 1000 for lst in listeners if not lst.arrived]
    latencies = received + missing
    return {
        "p50_ms": round(percentile(latencies, 50), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "_p95_ms": round(percentile(latencies, 95), 1),
        "_latency_offers_per_s": round(offers_per_s, 3),
        "_latency_alerts_offered_per_s": round(alerts_per_s, 1),
        "_latency_offers": count,
        "_alerts_sampled": len(listeners),
        "_alerts_received": len(received),
        "_alerts_missing_counted_as_waited": len(missing),
        "_alerts_for_other_offers": sum(listener.others for listener in listeners),
        "_producer_behind_max_s": round(behind, 3),
        "latency_offers": planned,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    ceilings = await store_ceilings(args.store_documents)
    store_ceiling = ceilings["ceiling_notifier_alerts_per_s"]
    run_id = uuid.uuid4().hex[:6]
    group_count = math.ceil(args.seekers / args.group_size)
    if group_count < 4:
        raise SystemExit("at least 4 groups are needed; raise --seekers")
    seed = args.seed if args.seed is not None else int(run_id, 16)
    kafka = KafkaSettings()
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka.bootstrap_servers, linger_ms=5, acks="all", enable_idempotence=True
    )
    await producer.start()
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(MongoSettings().url, tz_aware=True)
    groups = groups_of(get_referential(), group_count, seed)
    stack = Stack(args, run_id, groups, producer, mongo, kafka)
    # Fresh groups for the latency phase at the front; the capacity phase takes the others.
    latency_groups = list(range(group_count // 2))
    pipeline = [OFFER_PUBLISHED, MATCH_FOUND] if args.source == "offers" else [MATCH_FOUND]
    capacity_groups = list(range(group_count // 2, group_count))
    try:
        print(f"run b{run_id}: {args.seekers:,} seekers in {group_count:,} groups (seed {seed})")
        seeded = await load_seekers(stack)
        await wait_consumed([MATCH_FOUND], args.load_timeout, "alerts of earlier work")
        print(f"capacity: {args.capacity_duration:.0f} s under overload", flush=True)
        before = (await consumed_offsets([MATCH_FOUND]))[MATCH_FOUND][1]
        capacity = await find_capacity(stack, capacity_groups)
        drained = await wait_consumed(pipeline, args.load_timeout, "capacity backlog")
        await asyncio.sleep(2.0)  # the recommender's outbox relay publishes its last matches
        await wait_consumed([MATCH_FOUND], args.load_timeout, "capacity backlog")
        published = (await consumed_offsets([MATCH_FOUND]))[MATCH_FOUND][1] - before
        capacity["_capacity_matches_per_offer"] = round(published / len(capacity["offers"]), 2)
        capacity_sample = await stored_sample(stack, capacity.pop("offers"), 200)
        print(f"  drained in {drained:.0f} s; its alerts stored, sample by _id: {capacity_sample}")
        if capacity["capacity"] > 0:
            latency = await measure_latency(stack, capacity["capacity"] / 2, latency_groups)
            latency_offers = latency.pop("latency_offers")
            await wait_consumed(pipeline, args.load_timeout, "latency run")
            sample = await stored_sample(stack, latency_offers, 100)
            latency["_latency_alerts_stored_sample"] = sample
        else:
            print("latency: not measured, no alert was handled while overloaded", flush=True)
            latency = {"p50_ms": float("nan"), "p99_ms": float("nan")}
    finally:
        await producer.stop()
        await mongo.close()
    capacity_per_s = capacity.pop("capacity")
    return {
        "seekers": args.seekers,
        "capacity_alerts_per_s": round(capacity_per_s, 1),
        "store_ceiling_alerts_per_s": store_ceiling,
        "capacity_ratio": ratio(capacity_per_s, store_ceiling),
        "p50_ms": latency.pop("p50_ms"),
        "p99_ms": latency.pop("p99_ms"),
        **capacity,
        "_capacity_drain_s": round(drained, 1),
        "_capacity_alerts_stored_sample": capacity_sample,
        **latency,
        **seeded,
        "_run": f"b{run_id}",
        "_store": ceilings,
    }


def main() -> None:
    parser = bench_parser(__doc__, store_ceiling=True, services=["gateway"])
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument(
        "--group-size", type=int, default=50, help="Seekers each offer suits (at most 50)."
    )
    parser.add_argument("--capacity-duration", type=float, default=90.0, help="Overload (s).")
    parser.add_argument("--warmup", type=float, default=30.0, help="Overload not measured (s).")
    parser.add_argument("--backlog-s", type=float, default=10.0, help="Backlog kept (s of work).")
    parser.add_argument("--backlog-min", type=int, default=2000, help="Backlog kept (alerts).")
    parser.add_argument("--duration", type=float, default=60.0, help="Latency phase (s).")
    parser.add_argument("--listeners", type=int, default=300, help="Seekers' streams opened.")
    parser.add_argument("--drain", type=float, default=60.0, help="Wait for late alerts (s).")
    parser.add_argument("--load-timeout", type=float, default=3600.0)
    parser.add_argument(
        "--seed", type=int, default=None, help="Draws the groups (default: from the run id)."
    )
    parser.add_argument(
        "--source",
        choices=["offers", "matches"],
        default="offers",
        help="offers: offer-published through the recommender (the benchmark); matches: the"
        " recommender's match-found events produced directly, to time the notifier alone.",
    )
    parser.add_argument("--recommender-db", default="tremplin_recommender")
    parser.add_argument("--notifier-db", default="tremplin_notifier")
    run_and_report(parser, run, "bench-e2e", "make bench-e2e", "bench_e2e.py")


if __name__ == "__main__":
    main()
