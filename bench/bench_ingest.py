"""Ingestion throughput, end to end, held against the store's ceiling for each path.

Against the running stack (`make bench-ingest` starts it when it is not running):

- store ceiling: one short round of bench_store on the stack's store, in this run
  (`ceiling_profile_updates_per_s`, `ceiling_offers_imported_per_s`);
- profile updates: `PUT /seekers/{id}/profile` on the profiles service (an operator's internal
  token), driven by Debian's `wrk` (native, `--threads` threads, `--connections` keep-alive
  connections) with a Lua script that sends each of `--seekers` generated profiles in turn, its
  radius changed at every round so that every request is a real change, for `--duration`
  seconds; counted until the matching `profile-updated` events are read back from Kafka (HTTP,
  the profiles store, its outbox relay, Kafka). The profiles are created first (not measured);
- offers imported: `--offers` France Travail-format offers (libs/demo's generator) POSTed in
  batches of `--batch` to the offers service's import route (bodies encoded before the clock
  starts), until their `offer-published` events are read back from Kafka;
- the client's own ceiling: the same `wrk` on the profiles service's `/health/live`.

`profile_updates_ratio` and `offers_imported_ratio` are each end-to-end rate divided by the
store's ceiling for that path (target 0.6 each).

    make bench-ingest                                # prints the figures
    make bench-ingest BENCH_ARGS=--record            # and records docs/benchmarks.md
    .venv/bin/python bench/bench_ingest.py --seekers 500 --offers 400 --duration 5   # from bench/

The last line printed is one JSON object. A phase that cannot finish (a service down, an error
answer, events that do not all come back in time) stops the run with one line saying which.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from common import (
    BenchError,
    bench_parser,
    keyed_arrivals,
    ratio,
    run_and_report,
    store_ceilings,
)
from native_tools import ToolMissing, ensure_wrk

from demo.generate import offers as demo_offers
from demo.generate import seekers as demo_seekers
from refdata import get_referential
from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

# wrk's Lua (LuaJIT): thread t of T sends requests t, t+T, t+2T...; request k updates seeker
# k mod n, its radius moved by 5 or 10 km from the created profile's, alternately at each round.
WRK_PROFILES = """
local data = dofile(%(data)s)
local threads, n, next_id = %(threads)d, #data.ids, 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  k = id
  wrk.headers["Authorization"] = %(authorization)s
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local i = k %% n + 1
  local round = math.floor(k / n)
  k = k + threads
  local body = data.prefix[i] .. (data.radius[i] + 5 * (1 + round %% 2)) .. "}"
  return wrk.format("PUT", "/seekers/" .. data.ids[i] .. "/profile", nil, body)
end
"""
WRK_REPORT = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def operator_token() -> str:
    return issue_internal_token(
        Principal(sub="bench", role=Role.OPERATOR), InternalAuthSettings(token_ttl_s=3600)
    )


def lua_string(text: str) -> str:
    if "]==]" in text:
        raise ValueError("cannot quote this text as a Lua long string")
    return f"[==[{text}]==]"


async def run_wrk(
    wrk: str, url: str, duration: float, threads: int, connections: int, script: str
) -> dict[str, Any]:
    """Run wrk; its figures (requests, errors, latency in microseconds) as a dict."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        path = Path(folder) / "script.lua"
        path.write_text(script + WRK_REPORT)
        command = [
            wrk,
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(duration))}s",
            "--timeout=30s",
            f"--script={path}",
            url,
        ]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output, _ = await process.communicate()
    text = output.decode(errors="replace")
    if process.returncode != 0 or not text.strip():
        raise BenchError(f"wrk on {url} failed ({process.returncode}): {text[-500:]}")
    figures: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    figures["req_per_s"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect", "read", "write", "status", "timeout"))
    return figures


class EventCounter:
    """Arrival times of the records of `topic` whose key starts with `prefix`, from now on."""

    def __init__(self, topic: str, prefix: bytes) -> None:
        self.topic, self.prefix = topic, prefix
        self.arrivals: list[float] = []
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventCounter:
        self.task = asyncio.create_task(self._count())
        await asyncio.wait_for(self.ready.wait(), 60)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def _count(self) -> None:
        async for hits in keyed_arrivals(self.topic, self.prefix, self.ready):
            self.arrivals.extend([time.monotonic()] * hits)

    async def when(self, count: int, timeout_s: float, what: str) -> float:
        """Monotonic time at which the `count`-th record arrived."""
        deadline = time.monotonic() + timeout_s
        while len(self.arrivals) < count:
            if time.monotonic() > deadline:
                raise BenchError(
                    f"{what}: {len(self.arrivals)} of {count} events back from Kafka "
                    f"after {timeout_s:.0f} s"
                )
            await asyncio.sleep(0.2)
        return self.arrivals[count - 1]


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


def client_for(url: str, concurrency: int, read_timeout_s: float) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    timeout = httpx.Timeout(read_timeout_s, connect=10.0)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout)


async def client_ceiling(wrk: str, args: argparse.Namespace) -> dict[str, Any]:
    return await run_wrk(
        wrk, f"{args.profiles_url}/health/live", 5, args.threads, args.connections, ""
    )


async def profile_updates(wrk: str, args: argparse.Namespace) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6]
    documents = [
        (f"bench-{run}-{sid}", doc) for sid, doc in demo_seekers(args.seekers, get_referential(), 7)
    ]
    token = operator_token()
    headers = {"Authorization": f"Bearer {token}"}
    async with client_for(args.profiles_url, 32, 120) as client:
        await drive(
            f"creating {args.seekers} profiles (PUT {args.profiles_url}/seekers/{{id}}/profile)",
            [
                (lambda s=sid, d=doc: client.put(f"/seekers/{s}/profile", json=d, headers=headers))
                for sid, doc in documents
            ],
            32,
        )
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
        data = Path(folder) / "profiles.lua"
        prefixes, radii = [], []
        for _, doc in documents:
            rest = {k: v for k, v in doc.items() if k != "radius_km"}
            prefixes.append(json.dumps(rest, ensure_ascii=False)[:-1] + ', "radius_km": ')
            radii.append(str(doc["radius_km"]))
        data.write_text(
            "return {\n ids = {"
            + ",".join(lua_string(sid) for sid, _ in documents)
            + "},\n prefix = {"
            + ",\n".join(lua_string(p) for p in prefixes)
            + "},\n radius = {"
            + ",".join(radii)
            + "}\n}\n"
        )
        script = WRK_PROFILES % {
            "data": lua_string(str(data)),
            "threads": args.threads,
            "authorization": lua_string(f"Bearer {token}"),
        }
        await asyncio.sleep(2)  # the creations' events are out before counting starts
        async with EventCounter("profile-updated", f"bench-{run}-".encode()) as events:
            began = time.monotonic()
            load = await run_wrk(
                wrk, args.profiles_url, args.duration, args.threads, args.connections, script
            )
            if load["errors"]:
                raise BenchError(f"profile updates: wrk counted errors {json.dumps(load)}")
            answered = int(load["requests"])
            if not answered:
                raise BenchError(f"profile updates: no request answered {json.dumps(load)}")
            finished = await events.when(answered, 300, "profile-updated")
    rate = answered / (finished - began)
    print(
        f"profiles: {answered} updates answered at {load['req_per_s']:.0f} req/s "
        f"(p99 {load['p99_us'] / 1000:.0f} ms), {rate:.0f}/s end to end",
        file=sys.stderr,
    )
    return {
        "rate": rate,
        "_profile_updates": answered,
        "_profile_http_req_per_s": round(load["req_per_s"]),
        "_profile_http_p50_ms": round(load["p50_us"] / 1000, 1),
        "_profile_http_p99_ms": round(load["p99_us"] / 1000, 1),
    }


async def offers_import(args: argparse.Namespace) -> dict[str, Any]:
    run = uuid.uuid4().hex[:6].upper()
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    records = [
        {**r, "id": f"B{run}{r['id']}"}
        for r in demo_offers(args.offers, get_referential(), seed=11, now=today)
    ]
    bodies = [
        json.dumps(records[i : i + args.batch]).encode() for i in range(0, len(records), args.batch)
    ]
    headers = {"Authorization": f"Bearer {operator_token()}", "Content-Type": "application/json"}
    async with (
        EventCounter("offer-published", f"B{run}".encode()) as events,
        client_for(args.offers_url, args.import_concurrency, 300) as client,
    ):
        began = time.monotonic()
        await drive(
            f"importing {args.offers} offers (POST {args.offers_url}/offers/import, "
            f"{args.batch} a request)",
            [
                (lambda b=b: client.post("/offers/import", content=b, headers=headers))
                for b in bodies
            ],
            args.import_concurrency,
        )
        answered = time.monotonic() - began
        finished = await events.when(args.offers, 300, "offer-published")
    print(f"offers: {args.offers} imported (answered) in {answered:.1f} s", file=sys.stderr)
    return {"rate": args.offers / (finished - began), "_offers_answered_s": round(answered, 1)}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    wrk = ensure_wrk()
    store = await store_ceilings(args.store_documents)
    ceiling = await client_ceiling(wrk, args)
    print(f"client: wrk on /health/live {ceiling['req_per_s']:.0f} req/s", file=sys.stderr)
    profiles = await profile_updates(wrk, args)
    offers = await offers_import(args)
    profiles_rate, offers_rate = profiles.pop("rate"), offers.pop("rate")
    return {
        "profile_updates_per_s": round(profiles_rate),
        "ceiling_profile_updates_per_s": store["ceiling_profile_updates_per_s"],
        "profile_updates_ratio": ratio(profiles_rate, store["ceiling_profile_updates_per_s"]),
        "offers_imported_per_s": round(offers_rate),
        "ceiling_offers_imported_per_s": store["ceiling_offers_imported_per_s"],
        "offers_imported_ratio": ratio(offers_rate, store["ceiling_offers_imported_per_s"]),
        "client_ceiling_req_per_s": round(ceiling["req_per_s"]),
        **profiles,
        **offers,
        "_client": f"wrk, {args.threads} threads, {args.connections} connections",
        "_store": store,
    }


if __name__ == "__main__":
    parser = bench_parser(__doc__, store_ceiling=True, services=["profiles", "offers"])
    parser.add_argument("--seekers", type=int, default=5000, help="Profiles updated in turn.")
    parser.add_argument("--duration", type=float, default=30.0, help="Seconds of updates.")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--offers", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--import-concurrency", type=int, default=2, help="import requests in flight at once"
    )
    run_and_report(
        parser,
        main,
        "bench-ingest",
        "make bench-ingest",
        "bench_ingest.py",
        failures=(BenchError, ToolMissing),
    )
