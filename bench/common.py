"""Shared bits of the benchmarks: machine, percentiles, ratios, Kafka lag, the results file."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

# A bench drives the local stack, a development run: it signs internal tokens as the services do.
os.environ.setdefault("TREMPLIN_DEVELOPMENT", "true")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}"


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile, q in [0, 100]."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=RESULTS.parent,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def record(section: str, command: str, figures: dict[str, Any], notes: str = "") -> None:
    """Replace the section of docs/benchmarks.md named `section` with this run's figures."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n"
    start_marker, end_marker = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    block = "\n".join(
        [
            start_marker,
            f"Command: `{command}`  ",
            f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_revision()}  ",
            f"Machine: {machine()}",
            "",
            "```json",
            json.dumps(figures, indent=2),
            "```",
            *([notes] if notes else []),
            end_marker,
        ]
    )
    if start_marker in text and end_marker in text:
        before, rest = text.split(start_marker, 1)
        after = rest.split(end_marker, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + f"\n\n## {section}\n\n{block}\n"
    RESULTS.write_text(text)


# Documents of the store ceiling's round (`store_ceilings`), unless a bench's option says otherwise.
STORE_ROUND_DOCUMENTS = 2500


def bench_parser(
    doc: str | None, *, store_ceiling: bool = False, services: Sequence[str] = ()
) -> argparse.ArgumentParser:
    """A bench's options, described by the first paragraph of its docstring: `--record`;
    `--store-documents` for a bench held against the store's ceilings measured in its run; the
    address of each service it calls (`--gateway`, `--<service>-url`), the stack's by default."""
    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument(
        "--record",
        action="store_true",
        help="Write the figures to docs/benchmarks.md (a quiet machine only: nothing else running)",
    )
    if store_ceiling:
        parser.add_argument(
            "--store-documents",
            type=int,
            default=STORE_ROUND_DOCUMENTS,
            help="Documents of the store ceiling's round (bench_store).",
        )
    for name in services:
        flag = "--gateway" if name == "gateway" else f"--{name}-url"
        parser.add_argument(flag, default=service_url(name), help=f"Where {name} answers.")
    return parser


def command_line(target: str, script: str) -> str:
    """How this run was started, for the results file: `make target  # script args`."""
    return f"{target}  # {script} {' '.join(sys.argv[1:])}".rstrip()


def report(
    figures: dict[str, Any],
    args: argparse.Namespace,
    section: str,
    target: str,
    script: str,
    notes: str = "",
) -> None:
    """Print the figures with the options of the run (`_options`), the last line without the
    private ones (a leading `_`), and write them to docs/benchmarks.md under `section` when asked
    (`--record`)."""
    figures = {**figures, "_options": {k: v for k, v in vars(args).items() if k != "record"}}
    public = {k: v for k, v in figures.items() if not k.startswith("_")}
    if public != figures:
        print(json.dumps(figures, default=str), flush=True)
    if args.record:
        record(section, command_line(target, script), figures, notes)
    print(json.dumps(public, default=str))


class BenchError(Exception):
    """The benchmark cannot go on; the message says why."""


def run_and_report(
    parser: argparse.ArgumentParser,
    run: Callable[[argparse.Namespace], Coroutine[Any, Any, dict[str, Any]]],
    section: str,
    target: str,
    script: str,
    failures: tuple[type[Exception], ...] = (BenchError,),
) -> None:
    """Parse the bench's options (`bench_parser`), run it, report its figures; a failure it
    foresaw ends the process with its message."""
    args = parser.parse_args()
    try:
        figures = asyncio.run(run(args))
    except failures as error:
        sys.exit(f"{section} failed: {error}")
    report(figures, args, section, target, script)


def service_url(name: str) -> str:
    """Where the local stack serves the service `name`: deploy/local/stacklib's one table of
    ports, moved by SERVICE_PORT_BASE as the stack is."""
    local = str(RESULTS.parent.parent / "deploy" / "local")
    if local not in sys.path:
        sys.path.insert(0, local)
    from stacklib.settings import service_url as served_at

    return served_at(name)


def testkit_importable() -> None:
    """The tests' own helpers (tests/kit/testkit), which pytest finds through its pythonpath."""
    kit = str(RESULTS.parent.parent / "tests" / "kit")
    if kit not in sys.path:
        sys.path.insert(0, kit)


async def keyed_arrivals(topic: str, prefix: bytes, ready: asyncio.Event) -> AsyncIterator[int]:
    """From now on, per batch read from `topic`: how many records have a key starting with
    `prefix`. `ready` is set once the consumer stands at the end of every partition."""
    from aiokafka import AIOKafkaConsumer

    from servicekit.settings import KafkaSettings

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=KafkaSettings().bootstrap_servers,
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        while not consumer.assignment():  # noqa: ASYNC110 - aiokafka offers no event for it
            await asyncio.sleep(0.05)
        for partition in consumer.assignment():
            await consumer.seek_to_end(partition)
            await consumer.position(partition)
        ready.set()
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for batch in batches.values():
                yield sum(1 for r in batch if r.key and r.key.startswith(prefix))
    finally:
        await consumer.stop()


def ratio(value: float, ceiling: float) -> float:
    return round(value / ceiling, 3) if ceiling and not math.isnan(value) else float("nan")


async def store_ceilings(documents: int = STORE_ROUND_DOCUMENTS) -> dict[str, Any]:
    """bench_store's figures from one short round on the stack's store, in this run: what a bench
    holds its own figures against, and keeps beside them (`_store`)."""
    from bench_store import measure

    from servicekit.settings import MongoSettings

    print(f"store ceiling: one round of {documents:,} documents (bench_store)", flush=True)
    figures = await measure(MongoSettings().url, documents, quiet=True)
    keys = [k for k in figures if k.startswith("ceiling_")]
    print(f"  {json.dumps({k: figures[k] for k in keys})}", flush=True)
    return {k: v for k, v in figures.items() if k != "concurrency"}


class Offsets:
    """Kafka's committed offsets of the live consumer groups, per topic; no store reads.

    A group commits after processing, so a lag of 0 means everything produced so far has been
    handled. Groups without a live member (stale groups of earlier code) are left out.
    """

    def __init__(self) -> None:
        from servicekit.settings import KafkaSettings

        self.settings = KafkaSettings()
        self._clients = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Offsets:
        from opscli.kafka_ops import admin_client, consumer_client

        self.admin = await self._clients.enter_async_context(admin_client(self.settings))
        self.consumer = await self._clients.enter_async_context(consumer_client(self.settings))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._clients.aclose()

    async def read(self, topics: Iterable[str]) -> dict[str, tuple[int, int, int]]:
        """Per topic: (committed, end, live groups reading it), offsets summed over groups."""
        from contracts import topic_name
        from opscli.kafka_ops import describe_groups, partitions_of

        wanted = {topic_name(t, self.settings.topic_suffix): t for t in topics}
        found: dict[str, tuple[int, int, int]] = {t: (0, 0, 0) for t in wanted.values()}
        every = []
        for name in wanted:
            every += await partitions_of(self.consumer, name)
        ends = await self.consumer.end_offsets(every)
        starts = await self.consumer.beginning_offsets(every)
        groups = [g for g, *_ in await self.admin.list_consumer_groups()]
        described = await describe_groups(self.admin, groups) if groups else {}
        for group in sorted(g for g, (_, members) in described.items() if members):
            committed = await self.admin.list_consumer_group_offsets(group)
            for name, base in wanted.items():
                mine = [tp for tp in every if tp.topic == name]
                if not any(tp in committed and committed[tp].offset >= 0 for tp in mine):
                    continue  # this group does not read that topic
                done, end, count = found[base]
                for tp in mine:  # a partition the group has not committed on yet counts from
                    offset = committed[tp].offset if tp in committed else -1  # its start
                    done += offset if offset >= 0 else starts[tp]
                    end += ends[tp]
                found[base] = (done, end, count + 1)
        for name, base in wanted.items():
            mine = [tp for tp in every if tp.topic == name]
            if found[base][2] == 0 and all(ends[tp] == starts[tp] for tp in mine):
                found[base] = (0, 0, 1)  # nothing was ever written there: nothing to wait for
        return found

    async def lag(self, topics: Iterable[str]) -> dict[str, int | None]:
        """Records not yet handled per topic by its live groups (None: no live group reads it)."""
        return {
            topic: (end - done if groups else None)
            for topic, (done, end, groups) in (await self.read(topics)).items()
        }


async def consumed_offsets(topics: Iterable[str]) -> dict[str, tuple[int, int, int]]:
    async with Offsets() as offsets:
        return await offsets.read(topics)


async def wait_consumed(topics: Sequence[str], timeout_s: float, what: str) -> float:
    """Wait until every live group has handled everything on `topics`; seconds waited."""
    started = time.monotonic()
    last_print = 0.0
    async with Offsets() as offsets:
        while True:
            lags = await offsets.lag(topics)
            now = time.monotonic()
            if all(v == 0 for v in lags.values()):
                return now - started
            if now - last_print >= 10:
                shown = ", ".join(
                    f"{t} {'no live group' if v is None else v}" for t, v in lags.items()
                )
                print(f"  {what}: waiting ({shown})", flush=True)
                last_print = now
            if now - started > timeout_s:
                raise SystemExit(f"{what}: not done after {timeout_s:.0f} s ({lags})")
            await asyncio.sleep(2.0)
