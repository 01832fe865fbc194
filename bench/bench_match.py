"""Matching cost per new offer with the recommender's own index, and profile events end to end.

1. Builds the recommender's in-memory index (recommender.domain.engine) over N generated seekers
   (real ROME codes, real commune coordinates, deterministic seed), then times, for generated new
   offers, the whole ranking (index look-up, vectorised bound, exact explained score) against a
   NumPy-vectorised scan of every seeker with the same scoring (the results are checked equal).
2. Measures profile_events_per_s against the real Kafka and FerretDB: N profile-updated events in
   an isolated topic, then the recommender service (its real consumer, store and outbox relay)
   started on them, timed until every seeker is stored.

3. Holds profile_events_per_s against the store's ceiling for that path, measured in the same
   run (bench_store's `ceiling_recommender_new_seekers_per_s`): `profile_events_ratio`.

    make bench-match                                  # prints the figures
    make bench-match BENCH_ARGS=--record              # and records docs/benchmarks.md
    .venv/bin/python bench/bench_match.py --seekers 100000 --offers 200 --profile-events 2000
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from common import bench_parser, percentile, ratio, report, store_ceilings

from contracts import (
    OFFER_PUBLISHED,
    PROFILE_UPDATED,
    OfferPublished,
    ProfileUpdated,
    encode,
    new_envelope,
    topic_name,
)
from recommender.config import Settings
from recommender.domain.engine import MatchingEngine
from recommender.domain.model import Offer, Seeker
from recommender.main import build_engine
from refdata import Referential, get_referential

SEED = 20261125
CONTRACTS = ["CDI", "CDD", "MIS"]
RADII = [5, 10, 15, 20, 30, 40, 50]
RADIUS_WEIGHTS = [0.10, 0.20, 0.20, 0.20, 0.15, 0.10, 0.05]
SKILLS = [f"competence {n}" for n in range(300)]


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


class World:
    """Deterministic seekers and offers drawn from the real referential."""

    def __init__(self, referential: Referential, seed: int = SEED) -> None:
        self.rng = np.random.default_rng(seed)
        self.romes = sorted(referential.occupations)
        # Some occupations have many more seekers and offers than others (Zipf-like).
        weights = 1.0 / np.arange(1, len(self.romes) + 1) ** 0.8
        self.rng.shuffle(weights)
        self.rome_weights = weights / weights.sum()
        places = [
            (c.insee_code, c.latitude, c.longitude)
            for c in referential.communes.values()
            if c.latitude is not None and c.longitude is not None and 41 < c.latitude < 51.5
        ]
        places.sort()
        self.places = places

    def _rome(self, size: int) -> np.ndarray[Any, Any]:
        return self.rng.choice(len(self.romes), size=size, p=self.rome_weights)

    def seekers(self, count: int) -> list[Seeker]:
        rng = self.rng
        first = self._rome(count)
        second = self._rome(count)
        how_many = rng.choice([1, 2], size=count, p=[0.7, 0.3])
        where = rng.integers(0, len(self.places), size=count)
        radius = rng.choice(RADII, size=count, p=RADIUS_WEIGHTS)
        contract_sets = rng.integers(0, 4, size=count)
        working = rng.choice(["any", "full_time", "part_time"], size=count, p=[0.5, 0.4, 0.1])
        salary = np.where(rng.random(count) < 0.5, -1, rng.integers(1500, 3000, size=count))
        experience = rng.integers(0, 20, size=count)
        skill_count = rng.integers(0, 6, size=count)
        skills = rng.integers(0, len(SKILLS), size=(count, 5))
        english = rng.random(count) < 0.3
        found = []
        for n in range(count):
            occupations = (self.romes[first[n]],)
            if how_many[n] == 2 and second[n] != first[n]:
                occupations += (self.romes[second[n]],)
            _, lat, lon = self.places[where[n]]
            assert lat is not None
            assert lon is not None
            found.append(
                Seeker(
                    seeker_id=f"seeker-{n:07d}",
                    version=1,
                    occupations=occupations,
                    latitude=lat,
                    longitude=lon,
                    radius_km=float(radius[n]),
                    contracts=(
                        () if contract_sets[n] == 0 else tuple(CONTRACTS[: int(contract_sets[n])])
                    ),
                    working_time=str(working[n]),
                    min_salary=None if salary[n] < 0 else int(salary[n]),
                    experience_months=int(experience[n]) * 12,
                    skills=frozenset(SKILLS[s] for s in skills[n, : skill_count[n]]),
                    languages=frozenset(("fr", "en") if english[n] else ("fr",)),
                    counsellor_id=f"counsellor-{n // 250}",
                )
            )
        return found

    def offers(self, count: int) -> list[Offer]:
        rng = self.rng
        romes = self._rome(count)
        where = rng.integers(0, len(self.places), size=count)
        found = []
        for n in range(count):
            _, lat, lon = self.places[where[n]]
            assert lat is not None
            assert lon is not None
            salary = int(rng.integers(1700, 3200))
            found.append(
                Offer(
                    offer_id=f"offer-{n:06d}",
                    version=1,
                    title="Offre",
                    rome_code=self.romes[romes[n]],
                    latitude=lat,
                    longitude=lon,
                    contract_type=str(rng.choice(CONTRACTS)),
                    working_time=str(rng.choice(["full_time", "part_time"], p=[0.8, 0.2])),
                    experience=str(rng.choice(["D", "S", "E"])),
                    experience_months=int(rng.choice([0, 12, 24, 60])),
                    required_skills=tuple(SKILLS[s] for s in rng.integers(0, len(SKILLS), 2)),
                    languages=("fr",),
                    salary_min=salary,
                    salary_max=salary + 200,
                    positions=int(rng.choice([1, 1, 1, 2, 5])),
                )
            )
        return found


def bench_matching(
    referential: Referential, seekers: int, offers: int, brute: int
) -> dict[str, Any]:
    settings = Settings()
    engine: MatchingEngine = build_engine(settings, referential)
    world = World(referential)
    started = time.perf_counter()
    chunk = 100_000
    for first in range(0, seekers, chunk):
        for seeker in world.seekers(min(chunk, seekers - first)):
            engine.upsert(seeker)
        print(f"  indexed {min(first + chunk, seekers):>9,} seekers", flush=True)
    gc.collect()
    build_s = time.perf_counter() - started
    rss = rss_mb()
    new_offers = world.offers(offers)
    cap = settings.max_alerts_per_offer
    timings, examined, suggested = [], [], []
    for offer in new_offers:
        t0 = time.perf_counter()
        ranked = engine.rank_seekers(offer)
        chosen = ranked[: min(cap, math.ceil(offer.positions * settings.alerts_per_position))]
        timings.append((time.perf_counter() - t0) * 1000)
        examined.append(len(engine.examined_slots(offer)))
        suggested.append(len(chosen))
    brute_timings = []
    for offer in new_offers[:brute]:
        t0 = time.perf_counter()
        scanned = engine.rank_seekers(offer, brute_force=True)
        brute_timings.append((time.perf_counter() - t0) * 1000)
        indexed = engine.rank_seekers(offer)
        if [(c.seeker_id, c.scored) for c in scanned] != [(c.seeker_id, c.scored) for c in indexed]:
            raise AssertionError(f"index and scan disagree on {offer.offer_id}")
    p50 = percentile(timings, 50)
    brute_p50 = percentile(brute_timings, 50)
    return {
        "seekers": seekers,
        "p50_ms": round(p50, 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "examined_mean": round(float(np.mean(examined)), 1),
        "bruteforce_p50_ms": round(brute_p50, 2),
        "speedup": round(brute_p50 / p50, 1),
        "rss_mb": round(rss, 1),
        "_build_s": round(build_s, 1),
        "_offers": offers,
        "_bruteforce_offers": brute,
        "_suggested_mean": round(float(np.mean(suggested)), 1),
    }


TESTKIT = str(Path(__file__).resolve().parents[1] / "tests" / "kit")


async def bench_profile_events(referential: Referential, count: int) -> dict[str, Any]:
    from asgi_lifespan import LifespanManager
    from pymongo import AsyncMongoClient

    from recommender.main import create_app
    from servicekit.broker import make_broker

    # Isolated topics and a database of its own, as the tests make them (tests/kit).
    sys.path.insert(0, TESTKIT)
    from testkit.stack import isolated_topics, mongo_settings, new_run_id

    run_id = new_run_id()
    world = World(referential, seed=SEED + 1)
    async with isolated_topics(run_id, partitions=6) as kafka:
        mongo = mongo_settings()
        database = f"bench_{run_id}"
        broker = make_broker(kafka, "bench")
        await broker.start()
        try:
            for offer in world.offers(300):
                event = OfferPublished(
                    offer_id=offer.offer_id,
                    version=1,
                    title=offer.title,
                    rome_code=offer.rome_code,
                    place={
                        "commune_code": "00000",
                        "latitude": offer.latitude,
                        "longitude": offer.longitude,
                    },
                    contract_type=offer.contract_type,
                    working_time=offer.working_time,
                    experience_required=offer.experience,
                    experience_months=offer.experience_months,
                    salary_min_monthly_eur=offer.salary_min,
                    positions=offer.positions,
                    published_at=datetime.now(UTC),
                    origin="employer",
                )
                await broker.publish(
                    encode(new_envelope(event, producer="bench")),
                    topic_name(OFFER_PUBLISHED, kafka.topic_suffix),
                    key=offer.offer_id.encode(),
                )
            sends = []
            for seeker in world.seekers(count):
                event = ProfileUpdated(
                    seeker_id=seeker.seeker_id,
                    version=1,
                    counsellor_id=seeker.counsellor_id,
                    occupations=[
                        {"rome_code": r, "priority": i + 1}
                        for i, r in enumerate(seeker.occupations)
                    ],
                    skills=sorted(seeker.skills),
                    experience_years=seeker.experience_months // 12,
                    languages=sorted(seeker.languages),
                    place={
                        "commune_code": "00000",
                        "latitude": seeker.latitude,
                        "longitude": seeker.longitude,
                    },
                    radius_km=int(seeker.radius_km),
                    contract_types=[
                        {"contract_type": c, "priority": i + 1}
                        for i, c in enumerate(seeker.contracts)
                    ],
                    working_time=seeker.working_time,
                    min_monthly_salary_eur=seeker.min_salary,
                )
                sends.append(
                    await broker.publish(
                        encode(new_envelope(event, producer="bench")),
                        topic_name(PROFILE_UPDATED, kafka.topic_suffix),
                        key=seeker.seeker_id.encode(),
                        no_confirm=True,
                    )
                )
            await asyncio.gather(*sends)
        finally:
            await broker.stop()
        settings = Settings(
            kafka=kafka, mongo=mongo, database=database, group_id=f"bench{kafka.topic_suffix}"
        )
        app = create_app(settings, referential)
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
        try:
            async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
                started = time.perf_counter()
                seekers = client[database]["seekers"]
                while (stored := await seekers.estimated_document_count()) < count:
                    print(f"  {stored:>7,} / {count:,} profile events processed", flush=True)
                    await asyncio.sleep(1.0)
                elapsed = time.perf_counter() - started
                matched = await seekers.count_documents({"alerts": {"$gt": 0}})
        finally:
            await client.drop_database(database)
            await client.close()
    return {
        "profile_events_per_s": round(count / elapsed, 1),
        "_profile_events": count,
        "_seekers_alerted": matched,
    }


def main() -> None:
    parser = bench_parser(__doc__, store_ceiling=True)
    parser.add_argument("--seekers", type=int, default=1_000_000)
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--bruteforce-offers", type=int, default=30)
    parser.add_argument("--profile-events", type=int, default=20_000)
    parser.add_argument(
        "--profile-events-only",
        action="store_true",
        help="Measure only the profile events (nothing recorded)",
    )
    args = parser.parse_args()
    referential = get_referential()
    if args.profile_events_only:
        print(json.dumps(asyncio.run(bench_profile_events(referential, args.profile_events))))
        return
    figures = bench_matching(referential, args.seekers, args.offers, args.bruteforce_offers)
    print(json.dumps(figures), flush=True)
    store = asyncio.run(store_ceilings(args.store_documents))
    figures.update(asyncio.run(bench_profile_events(referential, args.profile_events)))
    figures["ceiling_recommender_new_seekers_per_s"] = store[
        "ceiling_recommender_new_seekers_per_s"
    ]
    figures["profile_events_ratio"] = ratio(
        figures["profile_events_per_s"], store["ceiling_recommender_new_seekers_per_s"]
    )
    figures["_store"] = store
    report(figures, args, "Matching (recommender)", "make bench-match", "bench_match.py")


if __name__ == "__main__":
    main()
