"""Companies likely to hire, through the gateway: `GET /v1/me/companies` against the floor of any
gateway route that reads the profile first (`GET /v1/me/profile`), in interleaved rounds of the
same run, and how attention spread over the seekers served.

Runs against the running stack (`make bench-companies` starts it when it is not running):

1. Set-up, through the gateway only: N seekers of Metz (commune 57463) write their profile, each
   looking for one of a few sales and service occupations (D1212 first) within 20 km.
2. Each round: a closed loop of C concurrent clients for D seconds on `GET /v1/me/profile` (one
   hop to the profiles service: the ceiling), then on `GET /v1/me/companies` (that hop, then the
   companies service ranks the establishments within reach). Figures: medians over the rounds.
3. The attention report (`GET /v1/ops/companies/attention`): how many seekers each company was
   shown to against its capacity. The seekers are erased at the end.

    make bench-companies                                         # prints the figures
    .venv/bin/python bench/bench_companies.py --rounds 1 --duration 3   # a quick look
    make bench-companies BENCH_ARGS=--record                     # also writes docs/benchmarks.md

The last line printed is one JSON object: p99_ms (target < 100), p99_ratio (companies ÷ profile),
items_min (target ≥ 5 for D1212), and the attention figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from typing import Any

import httpx
from common import bench_parser, percentile, run_and_report, service_url

GATEWAY = service_url("gateway")
OCCUPATIONS = ("D1212", "D1212", "D1106", "D1211", "K2204")  # D1212 twice: the target's share


def profile(occupation: str) -> dict[str, Any]:
    return {
        "contact": {"first_name": "Bench", "last_name": "Companies"},
        "occupations": [{"rome_code": occupation, "priority": 1}],
        "place": {"commune_code": "57463"},
        "radius_km": 20,
        "contract_types": [{"contract_type": "CDI", "priority": 1}],
    }


async def token(client: httpx.AsyncClient, sub: str, role: str) -> dict[str, str]:
    answer = await client.post("/v1/auth/dev-token", json={"sub": sub, "role": role})
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


async def set_up(client: httpx.AsyncClient, count: int) -> list[tuple[str, dict[str, str]]]:
    run = uuid.uuid4().hex[:6]
    seekers = []
    for n in range(count):
        sub = f"bench-co-{run}-{n:05d}"
        headers = await token(client, sub, "seeker")
        answer = await client.put(
            "/v1/me/profile", json=profile(OCCUPATIONS[n % len(OCCUPATIONS)]), headers=headers
        )
        answer.raise_for_status()
        seekers.append((sub, headers))
    return seekers


def client_from(source: int) -> httpx.AsyncClient:
    """A client from its own loopback address: the gateway limits requests per address."""
    transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{2 + source}")
    return httpx.AsyncClient(base_url=GATEWAY, timeout=30, transport=transport)


async def closed_loop(
    clients: list[httpx.AsyncClient],
    path: str,
    seekers: list[tuple[str, dict[str, str]]],
    duration_s: float,
) -> tuple[list[float], list[int], int]:
    """Latencies (ms), item counts (D1212 seekers, companies only) and errors."""
    latencies: list[float] = []
    items: list[int] = []
    errors = 0
    stop = time.monotonic() + duration_s

    async def worker(offset: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        n = offset
        while time.monotonic() < stop:
            sub, headers = seekers[n % len(seekers)]
            n += len(clients)
            began = time.perf_counter()
            answer = await client.get(path, headers=headers)
            latencies.append((time.perf_counter() - began) * 1000)
            if answer.status_code != 200:
                errors += 1
            elif path.endswith("/companies") and int(sub.rsplit("-", 1)[1]) % 5 in (0, 1):
                items.append(len(answer.json()["items"]))

    await asyncio.gather(*(worker(i, c) for i, c in enumerate(clients)))
    return latencies, items, errors


async def run(args: argparse.Namespace) -> dict[str, Any]:
    clients = [client_from(n) for n in range(args.concurrency)]
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
        print(f"set-up: {args.seekers} seekers of Metz", flush=True)
        seekers = await set_up(client, args.seekers)
        operator = await token(client, "bench-co-operator", "operator")
        try:
            # A first pass serves every seeker once: the rest measures steady requests.
            await closed_loop(clients, "/v1/me/companies", seekers, 1.0)
            rounds: list[dict[str, Any]] = []
            for number in range(args.rounds):
                floor, _, floor_errors = await closed_loop(
                    clients, "/v1/me/profile", seekers, args.duration
                )
                found, items, errors = await closed_loop(
                    clients, "/v1/me/companies", seekers, args.duration
                )
                figures = {
                    "profile_p50_ms": percentile(floor, 50),
                    "profile_p99_ms": percentile(floor, 99),
                    "companies_p50_ms": percentile(found, 50),
                    "companies_p99_ms": percentile(found, 99),
                    "companies_per_s": len(found) / args.duration,
                    "items_min": min(items) if items else 0,
                    "errors": errors + floor_errors,
                }
                print(f"round {number + 1}: {json.dumps(figures)}", flush=True)
                rounds.append(figures)
            attention = (await client.get("/v1/ops/companies/attention", headers=operator)).json()
        finally:
            for _, headers in seekers:
                await client.delete("/v1/me", headers=headers)
            for each in clients:
                await each.aclose()

    def median(key: str) -> float:
        return round(statistics.median(r[key] for r in rounds), 1)

    p99 = median("companies_p99_ms")
    return {
        "seekers": args.seekers,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "p50_ms": median("companies_p50_ms"),
        "p99_ms": p99,
        "companies_per_s": median("companies_per_s"),
        "ceiling_profile_p99_ms": median("profile_p99_ms"),
        "p99_ratio": round(p99 / median("profile_p99_ms"), 2),
        "items_min": min(r["items_min"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "attention": {
            key: attention[key]
            for key in (
                "seekers",
                "companies_shown",
                "views",
                "over_capacity",
                "load_p50",
                "load_p90",
                "load_p99",
                "load_max",
            )
        },
        "target_p99_ms": 100,
        "meets_target": p99 < 100 and min(r["items_min"] for r in rounds) >= 5,
    }


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--seekers", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per loop")
    parser.add_argument("--rounds", type=int, default=3)
    run_and_report(parser, run, "bench-companies", "make bench-companies", "bench_companies.py")


if __name__ == "__main__":
    main()
