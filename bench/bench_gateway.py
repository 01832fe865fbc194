"""The gateway's cost per request: authenticated `GET /v1/me/recommendations` through the gateway,
against a bare relay to the same recommender endpoint, in interleaved rounds of the same run.

Runs against the running stack (`make bench-gateway` starts it when it is not running):

1. Set-up, through the gateway only: an employer publishes a few offers, N seekers write their
   profile (each signed in with the development issuer) and the bench waits until their
   suggestions are there. It erases them and closes the offers at the end.
2. The relay: a bare FastAPI endpoint served by uvicorn with the gateway's own server options,
   forwarding `GET /seekers/{id}/recommendations` to the recommender with one pooled httpx client
   on the gateway's transport, the caller's internal token passed as it is: no authentication,
   no limits, no tracing. What any gateway on this stack costs at least.
3. Each round, from a separate load process (raw HTTP/1.1 keep-alive, uvloop): closed loop on the
   gateway, then on the relay (C connections for D seconds; CPU time of the front process and of
   the recommender read from /proc before and after), then an open loop on the gateway at half
   the relay's capacity measured in that round (latency from the scheduled send time: no
   coordinated omission). Figures are medians over the rounds.

    make bench-gateway                                   # prints the figures
    .venv/bin/python bench/bench_gateway.py --rounds 1 --duration 2    # a quick look
    make bench-gateway BENCH_ARGS=--record               # also writes docs/benchmarks.md

The last line printed is one JSON object: ratio (gateway ÷ relay req/s, target ≥ 0.7),
cpu_ratio (gateway ÷ relay CPU ms per request, target ≤ 1.5), p99_ms_at_half (target ≤ 50).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import bench_parser, percentile, report, service_url, testkit_importable
from fastapi import Request, Response  # the relay's endpoint resolves its annotations here

testkit_importable()
from testkit.builders import offer_in  # noqa: E402
from testkit.gateway_seekers import lyon_seeker  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RUN_DIR = Path(os.environ.get("TREMPLIN_LOCAL_DIR") or REPO / ".local") / "run"
GATEWAY_PIDFILE = RUN_DIR / "gateway.pid"
RECOMMENDER_PIDFILE = RUN_DIR / "recommender.pid"
RECOMMENDATIONS = "/v1/me/recommendations"
BASELINE_PATH = "/json"
SOURCES = 16  # loopback addresses the connections come from (127.0.0.2 and on)


# ------------------------------------------------------------------------------------------------
# The baseline: what a bare FastAPI endpoint costs on this machine.
# ------------------------------------------------------------------------------------------------
def relay_app() -> Any:
    """`uvicorn --factory bench_gateway:relay_app`: the floor of any gateway on this stack.

    Forwards `GET /seekers/{id}/recommendations` to the recommender (`BENCH_RELAY_UPSTREAM`) with
    one pooled httpx client on the gateway's transport, the caller's internal token as it is, and
    returns its bytes: no authentication, no limits, no tracing.
    """
    import logging
    from contextlib import asynccontextmanager

    import httpx
    from fastapi import FastAPI
    from httpx_aiohttp import AiohttpTransport

    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    client = httpx.AsyncClient(
        base_url=os.environ["BENCH_RELAY_UPSTREAM"], transport=AiohttpTransport(limits=limits)
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        yield
        await client.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/seekers/{seeker_id}/recommendations")
    async def relay(seeker_id: str, request: Request) -> Response:
        answer = await client.get(
            f"/seekers/{seeker_id}/recommendations",
            headers={"Authorization": request.headers.get("authorization", "")},
        )
        return Response(answer.content, answer.status_code, media_type="application/json")

    return app


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pid_of(pidfile: Path) -> int:
    return int(pidfile.read_text().split()[0])


def gateway_server_options() -> list[str]:
    """The running gateway's uvicorn options (workers, loop, http...), without host, port, app."""
    try:
        pid = int(GATEWAY_PIDFILE.read_text().split()[0])
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return []
    argv = [a.decode() for a in raw.split(b"\0") if a]
    options, skip = [], False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg in ("--host", "--port", "--app-dir"):
            skip = True
        elif not arg.startswith("-") and ":" in arg:
            continue  # the application itself
        elif arg.startswith("-"):
            options.append(arg)
        elif options:
            options.append(arg)  # the value of the option before it
    return options


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def baseline_server(options: list[str], factory: str, env: dict[str, str] | None = None) -> Any:
    port = free_port()
    uvicorn = Path(sys.executable).with_name("uvicorn")
    command = [
        str(uvicorn),
        "--factory",
        f"bench_gateway:{factory}",
        "--app-dir",
        str(HERE),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *options,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    error = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"the baseline server did not start: {error}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ------------------------------------------------------------------------------------------------
# The load generator: runs in its own process (`--load SPEC`), prints one JSON object.
# ------------------------------------------------------------------------------------------------
class ProtocolError(Exception):
    pass


@dataclass
class Connection:
    host: str
    port: int
    source: str | None
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        local = (self.source, 0) if self.source else None
        self.reader, self.writer = await asyncio.open_connection(
            self.host, self.port, local_addr=local, limit=2**22
        )
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None
        assert self.writer is not None
        try:
            self.writer.write(request)
            head = await self.reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
                elif name == b"transfer-encoding":
                    raise ProtocolError("chunked responses are not expected here")
            body = await self.reader.readexactly(length) if length else b""
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        return status, body


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    ok: int = 0
    checked: int = 0

    def errors(self) -> int:
        return sum(self.statuses.values())


def well_formed(check: str, status: int, body: bytes, parse: bool) -> bool:
    if status != 200:
        return False
    if check == "suggestions":
        if not body.startswith(b"[{"):
            return False
        if parse:
            found = json.loads(body)
            return isinstance(found, list) and bool(found) and "offer_id" in found[0]
        return True
    return body.startswith(b"{")


async def load(spec: dict[str, Any]) -> dict[str, Any]:
    host, port = spec["host"], int(spec["port"])
    requests = [
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            + (f"Authorization: Bearer {token}\r\n" if token else "")
            + "\r\n"
        ).encode()
        for path, token in spec["requests"]
    ]
    sources = spec["sources"] or [None]
    connections = [
        Connection(host, port, sources[n % len(sources)]) for n in range(spec["connections"])
    ]
    # A connection that cannot open now is tried again on its first request (counted there).
    await asyncio.gather(*(c.open() for c in connections), return_exceptions=True)
    turn = itertools.count()
    tally = Tally()
    timeout = float(spec["timeout_s"])
    check = spec["check"]

    async def one(connection: Connection, since: float, measured: bool) -> None:
        n = next(turn)
        try:
            status, body = await asyncio.wait_for(
                connection.exchange(requests[n % len(requests)]), timeout
            )
            good = well_formed(check, status, body, parse=n % 100 == 0)
            what = str(status)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ProtocolError):
            good, what = False, "connection error"
        except TimeoutError:
            good, what = False, "timeout"
        except ValueError:
            good, what = False, "malformed"
        if not measured:
            return
        tally.latencies_ms.append((time.perf_counter() - since) * 1000)
        if good:
            tally.ok += 1
        else:
            tally.statuses[what if what != "200" else "200 without suggestions"] += 1

    warmup, duration = float(spec["warmup_s"]), float(spec["duration_s"])
    if spec["mode"] == "closed":
        began = time.perf_counter()
        start, end = began + warmup, began + warmup + duration

        async def loop(connection: Connection) -> None:
            while (now := time.perf_counter()) < end:
                await one(connection, now, measured=now >= start)

        await asyncio.gather(*(loop(c) for c in connections))
        # Only requests sent within the window count; those still in flight at its end are waited
        # for, so the rate is taken over the span of the sends.
        elapsed = duration
    else:
        rate = float(spec["rate"])
        idle: asyncio.Queue[Connection] = asyncio.Queue()
        for connection in connections:
            idle.put_nowait(connection)
        warm, total = int(rate * warmup), int(rate * (warmup + duration))
        origin = time.perf_counter() + 0.05
        running: set[asyncio.Task[None]] = set()

        async def scheduled(at: float, measured: bool) -> None:
            try:
                connection = await idle.get()  # waiting for a connection is part of the latency
            except asyncio.CancelledError:  # still waiting long after the last send: a timeout
                if measured:
                    tally.latencies_ms.append((time.perf_counter() - at) * 1000)
                    tally.statuses["timeout"] += 1
                return
            try:
                await one(connection, at, measured)
            finally:
                idle.put_nowait(connection)

        for n in range(total):
            at = origin + n / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(scheduled(at, measured=n >= warm))
            running.add(task)
            task.add_done_callback(running.discard)
        if running:
            _, late = await asyncio.wait(set(running), timeout=timeout)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        elapsed = (total - warm) / rate
    for connection in connections:
        connection.close()
    latencies = tally.latencies_ms
    return {
        "mode": spec["mode"],
        "requests": len(latencies),
        "ok": tally.ok,
        "errors": tally.errors(),
        "error_kinds": dict(tally.statuses),
        "req_per_s": round(tally.ok / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies, default=float("nan")), 2),
    }


def run_load_process(spec: dict[str, Any]) -> dict[str, Any]:
    """The generator in a process of its own, so that it does not share the bench's event loop."""
    done = subprocess.run(
        [sys.executable, __file__, "--load"],
        input=json.dumps(spec),  # not in the command line: it holds tokens
        capture_output=True,
        text=True,
        timeout=float(spec["warmup_s"]) + float(spec["duration_s"]) + 120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------------
# Set-up and clean-up through the gateway.
# ------------------------------------------------------------------------------------------------
@dataclass
class World:
    seeker_tokens: dict[str, str]
    employer_token: str
    offer_ids: list[str]
    loaded: list[tuple[str, str]] = field(default_factory=list)  # seekers with suggestions


async def set_up(gateway: str, seekers: int, timeout_s: float) -> World:
    import httpx

    run = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:

        async def token(sub: str, role: str) -> str:
            minted = await client.post("/v1/auth/dev-token", json={"sub": sub, "role": role})
            minted.raise_for_status()
            return str(minted.json()["access_token"])

        def bearer(value: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {value}"}

        employer = await token(f"bench-employer-{run}", "employer")
        # An offer alerts at most 50 seekers (5 per position): enough places for every seeker.
        offer_ids = [f"BENCH{run.upper()}{n}" for n in range(math.ceil(seekers / 20) + 1)]
        for offer_id in offer_ids:
            published = await client.post(
                "/v1/offers", json=offer_in(offer_id, positions=10), headers=bearer(employer)
            )
            if published.status_code != 201:
                raise RuntimeError(
                    f"publishing {offer_id}: {published.status_code} {published.text}"
                )
        tokens: dict[str, str] = {}
        lanes = asyncio.Semaphore(2)

        async def write_profile(n: int) -> None:
            sub = f"bench-{run}-{n:04d}"
            async with lanes:
                tokens[sub] = await token(sub, "seeker")
                for attempt in range(5):  # a busy store may time out: PUT is idempotent
                    written = await client.put(
                        "/v1/me/profile",
                        json=lyon_seeker({"first_name": "Bench", "last_name": f"Seeker {n}"}),
                        headers=bearer(tokens[sub]),
                    )
                    if written.status_code != 503:
                        break
                    await asyncio.sleep(2 * (attempt + 1))
            if written.status_code not in (200, 201):
                raise RuntimeError(f"profile of {sub}: {written.status_code} {written.text}")

        world = World(tokens, employer, offer_ids)
        written = await asyncio.gather(
            *(write_profile(n) for n in range(seekers)), return_exceptions=True
        )
        failed = [error for error in written if isinstance(error, BaseException)]
        if failed:
            await clean_up(gateway, world)
            raise failed[0]
        print(f"  {seekers} seekers and {len(offer_ids)} offers written; waiting for suggestions")
        waiting = set(tokens)
        deadline = time.monotonic() + timeout_s
        while waiting and time.monotonic() < deadline:
            for sub in sorted(waiting):
                found = await client.get(RECOMMENDATIONS, headers=bearer(tokens[sub]))
                if found.status_code == 200 and found.json():
                    waiting.discard(sub)
            if waiting:
                await asyncio.sleep(1)
        if len(waiting) > seekers // 2:
            await clean_up(gateway, world)
            raise RuntimeError(
                f"{len(waiting)} of {seekers} seekers still have no suggestion after "
                f"{timeout_s:.0f} s (is the recommender consuming?)"
            )
        if waiting:
            print(f"  WARNING: {len(waiting)} seekers without suggestions after {timeout_s:.0f} s:")
            print("  the load uses only the others")
        world.loaded = [(sub, tokens[sub]) for sub in sorted(tokens) if sub not in waiting]
        return world


async def clean_up(gateway: str, world: World) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
        for token in list(world.seeker_tokens.values()):
            await client.delete("/v1/me", headers={"Authorization": f"Bearer {token}"})
        for offer_id in world.offer_ids:
            await client.post(
                f"/v1/offers/{offer_id}/close",
                json={"reason": "withdrawn"},
                headers={"Authorization": f"Bearer {world.employer_token}"},
            )


# ------------------------------------------------------------------------------------------------
# The rounds.
# ------------------------------------------------------------------------------------------------
def spec_for(url: str, requests: list[tuple[str, str]], **load_options: Any) -> dict[str, Any]:
    host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
    return {
        "host": host,
        "port": int(port or 80),
        "requests": requests,
        "check": "suggestions",
        "sources": [f"127.0.0.{2 + n}" for n in range(SOURCES)] if host == "127.0.0.1" else [],
        "timeout_s": 10,
        **load_options,
    }


def internal_tokens(seekers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What the relay's callers send: the internal token the gateway would, for each seeker."""
    from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

    settings = InternalAuthSettings(token_ttl_s=6 * 3600)  # the services' secret, a long life
    return [
        (
            f"/seekers/{sub}/recommendations",
            issue_internal_token(Principal(sub=sub, role=Role.SEEKER), settings),
        )
        for sub, _ in seekers
    ]


def closed_run(spec: dict[str, Any], front: int, recommender: int) -> dict[str, Any]:
    """A closed-loop run, with the CPU time per request of the front process and the recommender."""
    before = cpu_seconds(front), cpu_seconds(recommender)
    result = run_load_process(spec)
    after = cpu_seconds(front), cpu_seconds(recommender)
    done = max(1, result["ok"] + result["errors"])
    result["cpu_ms_per_req"] = round((after[0] - before[0]) * 1000 / done, 3)
    result["recommender_cpu_ms_per_req"] = round((after[1] - before[1]) * 1000 / done, 3)
    return result


def measure(args: argparse.Namespace, seekers: list[tuple[str, str]]) -> dict[str, Any]:
    options = gateway_server_options()
    print(f"  uvicorn options of the gateway, used for the relay too: {options or 'defaults'}")
    gateway_requests = [(RECOMMENDATIONS, token) for _, token in seekers]
    relay_requests = internal_tokens(seekers)
    gateway_pid, recommender_pid = pid_of(GATEWAY_PIDFILE), pid_of(RECOMMENDER_PIDFILE)
    recommender_url = service_url("recommender")
    closed = {"mode": "closed", "connections": args.connections, "warmup_s": 1.0}
    runs: dict[str, list[dict[str, Any]]] = {"gateway": [], "relay": [], "gateway_half": []}
    env = {"BENCH_RELAY_UPSTREAM": recommender_url}
    with baseline_server(options, "relay_app", env) as (relay, relay_pid):
        for n in range(args.rounds):
            for name, url, requests, front in (
                ("gateway", args.gateway, gateway_requests, gateway_pid),
                ("relay", relay, relay_requests, relay_pid),
            ):
                spec = spec_for(url, requests, **closed, duration_s=args.duration)
                runs[name].append(closed_run(spec, front, recommender_pid))
                print(f"  round {n + 1} {name:<12} {json.dumps(runs[name][-1])}", flush=True)
            half = max(1.0, runs["relay"][-1]["req_per_s"] / 2)
            opened = {"mode": "open", "rate": half, "connections": 64, "warmup_s": 1.0}
            spec = spec_for(args.gateway, gateway_requests, **opened, duration_s=args.duration)
            runs["gateway_half"].append(run_load_process(spec))
            print(f"  round {n + 1} gateway@{half:.0f}/s {json.dumps(runs['gateway_half'][-1])}")

    def median(name: str, key: str) -> float:
        return round(statistics.median(float(r[key]) for r in runs[name]), 3)

    gateway_rate, relay_rate = median("gateway", "req_per_s"), median("relay", "req_per_s")
    gateway_cpu, relay_cpu = median("gateway", "cpu_ms_per_req"), median("relay", "cpu_ms_per_req")
    errors = sum(r["errors"] for name in runs for r in runs[name])
    return {
        "ratio": round(gateway_rate / relay_rate, 3) if relay_rate else float("nan"),
        "cpu_ratio": round(gateway_cpu / relay_cpu, 3) if relay_cpu else float("nan"),
        "p99_ms_at_half": median("gateway_half", "p99_ms"),
        "req_per_s": gateway_rate,
        "relay_req_per_s": relay_rate,
        "cpu_ms_per_req": gateway_cpu,
        "relay_cpu_ms_per_req": relay_cpu,
        "errors": errors,
        "_half_rate_per_s": [
            r["rate"] for r in [{"rate": x["req_per_s"] / 2} for x in runs["relay"]]
        ],
        "_p50_ms_at_half": median("gateway_half", "p50_ms"),
        "_recommender_cpu_ms_per_req_via_gateway": median("gateway", "recommender_cpu_ms_per_req"),
        "_recommender_cpu_ms_per_req_via_relay": median("relay", "recommender_cpu_ms_per_req"),
        "_error_kinds": dict(
            sum((Counter(r["error_kinds"]) for name in runs for r in runs[name]), Counter())
        ),
        "_seekers": len(seekers),
        "_server_options": options,
        "_per_round_req_per_s": [r["req_per_s"] for r in runs["gateway"]],
        "_per_round_relay_req_per_s": [r["req_per_s"] for r in runs["relay"]],
        "_per_round_p99_ms_at_half": [r["p99_ms"] for r in runs["gateway_half"]],
    }


async def prepare(args: argparse.Namespace) -> World:
    return await set_up(args.gateway, args.seekers, args.setup_timeout)


def main() -> None:
    parser = bench_parser(__doc__, services=["gateway"])
    parser.add_argument("--seekers", type=int, default=60, help="Seekers, one token each.")
    parser.add_argument("--connections", type=int, default=32, help="Closed-loop connections.")
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds per measurement.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--setup-timeout", type=float, default=120.0)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)  # generator process
    args = parser.parse_args()
    if args.load:
        spec = json.loads(sys.stdin.read())
        try:
            import uvloop
        except ImportError:
            print(json.dumps(asyncio.run(load(spec))))
        else:
            print(json.dumps(uvloop.run(load(spec))))
        return
    world = asyncio.run(prepare(args))
    try:
        figures = measure(args, world.loaded)
        figures["_seekers_without_suggestions"] = len(world.seeker_tokens) - len(world.loaded)
    finally:
        asyncio.run(clean_up(args.gateway, world))
    report(figures, args, "bench-gateway", "make bench-gateway", "bench_gateway.py")


if __name__ == "__main__":
    main()
