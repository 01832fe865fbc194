#!/usr/bin/env python3
"""Chaos run: a seeded workload with known alerts, faults injected while it flows, then the check.

    python3 -m uv run --frozen --no-sync python deploy/local/chaos.py [--offers 10000] [...]
    make chaos                                  # the full run, against a stack it starts if needed

Needs the running stack (Kafka, FerretDB and the five services: `make up`), and the notifier's
default channel addresses free: the harness answers on them with a real SMTP server (email) and
two webhooks (push, SMS). Steps:

1. design: seekers in small groups, each group alone in its commune with its occupation, and
   offers that each suit exactly one group; the recommender's pure engine recomputes the
   expected alerts, and the run stops before writing anything if they differ from the design;
2. seekers created through the profiles service (with contact data) and their notifier
   preferences set (instant, no quiet hours, a push budget out of reach);
3. offers imported through the offers service, paced over the fault plan, while faults are
   injected at seeded random moments: kill -9 of the recommender and the notifier (restarted
   by stack.py's own `up`, recovery timed until ready and moving again), an outbox relay crash
   between publishing and clearing (the harness's own composition of the recommender,
   chaoslib/outbox_crash.py), kill -9 of Kafka and of
   FerretDB (with --faults), 10 % of the run's offer-published and match-found records published
   twice, and poison messages (invalid JSON, wrong schema version, invalid payload) produced
   straight to offer-published and match-found;
4. a quiet period: consumer lag 0, no outbox entry and no delivery of the run pending, nothing
   received for a while;
5. dead letters checked (each poison dead-lettered with its reason, its partition consumed past
   it), then replayed with `python -m opscli dead-letters replay`;
6. the check: expected alerts against the inboxes (the notifier's store) and the channels (the
   sinks), each exactly once. The last line printed is one JSON object; the exit code is 1 when
   anything was lost, duplicated or unexpected.

The run's ids carry a run id (`chaos-<run>-s00001`, `chaos-<run>-o000001`), so runs never mix; the
run's seekers are erased at the end (--keep-data keeps them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from chaoslib import checker, design, faults, inbox, kafkatools, sinks  # noqa: E402
from chaoslib.harness import STARTED, checked_design, exit_code_of, retrying, say  # noqa: E402
from stacklib.settings import service_url  # noqa: E402

from contracts import DEAD_LETTER, MATCH_FOUND, OFFER_PUBLISHED  # noqa: E402

log = logging.getLogger("chaos")
SERVICE_COLLECTIONS = (
    ("tremplin_profiles", "profiles"),
    ("tremplin_offers", "offers"),
    ("tremplin_recommender", "seekers"),
    ("tremplin_notifier", "deliveries"),
)


def operator_headers() -> dict[str, str]:
    from servicekit.auth import InternalAuthSettings, Principal, Role, issue_internal_token

    token = issue_internal_token(
        Principal(sub="chaos-harness", role=Role.OPERATOR), InternalAuthSettings()
    )
    return {"Authorization": f"Bearer {token}"}


async def put_as_operator(
    client: httpx.AsyncClient, seeker_id: str, what: str, body: dict[str, Any]
) -> None:
    """`PUT /seekers/{seeker_id}/{what}` on a service, as the operators' tools write there."""
    path = f"/seekers/{seeker_id}/{what}"
    response = await retrying(
        f"{what} of {seeker_id}", lambda: client.put(path, json=body, headers=operator_headers())
    )
    if response.status_code >= 400:
        raise RuntimeError(f"{what} refused: {response.status_code} {response.text}")


async def for_all(items: Sequence[Any], work: Callable[[Any], Awaitable[None]], n: int) -> None:
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            await work(queue.get_nowait())

    await asyncio.gather(*(worker() for _ in range(n)))


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_id: str = args.run_id or uuid.uuid4().hex[:8]
        self.prefix = f"chaos-{self.run_id}-"
        self.bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        self.mongo_url = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/")
        self.stack = faults.Stack(REPO, log=say)
        self.inboxes = sinks.Inboxes()
        self.records: list[faults.FaultRecord] = []
        self.poisons: list[kafkatools.Poison] = []
        self.ferretdb_hang = False
        self.notes: list[str] = []

    # preparation ------------------------------------------------------------------------------

    async def start_sinks(self) -> list[Callable[[], Awaitable[None]]]:
        return await sinks.start_channel_sinks(self.inboxes, "chaos")

    async def create_seekers(self, layout: design.Design) -> None:
        n = self.args.concurrency
        limits = httpx.Limits(max_connections=n)
        async with (
            httpx.AsyncClient(base_url=self.args.profiles_url, timeout=30, limits=limits) as prof,
            httpx.AsyncClient(base_url=self.args.notifier_url, timeout=30, limits=limits) as notif,
        ):

            async def create(seeker_id: str) -> None:
                # Preferences first: the first alert must find them.
                await put_as_operator(
                    notif, seeker_id, "preferences", layout.preferences(seeker_id)
                )
                await put_as_operator(prof, seeker_id, "profile", layout.profile(seeker_id))

            await for_all(layout.seekers, create, n)

    async def erase_seekers(self, layout: design.Design) -> None:
        async with httpx.AsyncClient(base_url=self.args.profiles_url, timeout=30) as prof:

            async def erase(seeker_id: str) -> None:
                with contextlib.suppress(httpx.HTTPError):
                    await prof.delete(f"/seekers/{seeker_id}", headers=operator_headers())

            await for_all(layout.seekers, erase, self.args.concurrency)

    # the flow and the faults ------------------------------------------------------------------

    async def publish_offers(self, layout: design.Design, duration_s: float) -> None:
        ids = layout.offers
        # At least twenty requests, so that the offers keep flowing while the faults happen.
        batch = max(1, min(self.args.batch, math.ceil(len(ids) / 20)))
        batches = [ids[i : i + batch] for i in range(0, len(ids), batch)]
        t0 = time.monotonic()
        async with httpx.AsyncClient(base_url=self.args.offers_url, timeout=120) as client:
            for number, chunk in enumerate(batches):
                due = t0 + duration_s * number / max(1, len(batches))
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                now = datetime.now(UTC).replace(microsecond=0)
                records = [layout.offer_record(o, now) for o in chunk]
                response = await retrying(
                    "offer import",
                    lambda records=records: client.post(  # type: ignore[misc]
                        "/offers/import", json=records, headers=operator_headers()
                    ),
                )
                response.raise_for_status()
                rejected = response.json().get("rejected", [])
                if rejected:
                    raise RuntimeError(f"offers rejected by the offers service: {rejected[:3]}")
                if number % max(1, len(batches) // 10) == 0:
                    say(f"offers: {min(len(ids), (number + 1) * batch)}/{len(ids)} imported")
        say(f"offers: all {len(ids)} imported in {time.monotonic() - t0:.0f}s")

    def progress_of(self, kind: str) -> faults.Progress:
        groups = {
            "recommender": ["recommender.offer-published", "recommender.profile-updated"],
            "notifier": ["notifier.match-found"],
        }.get(kind, ["recommender.offer-published", "notifier.match-found"])

        async def progress() -> tuple[int, int]:
            try:
                done, waiting = await kafkatools.group_progress(self.bootstrap, groups)
            except Exception:
                return -1, 1
            return done + len(self.inboxes), waiting

        return progress

    async def inject(self, step: faults.Step) -> None:
        at = time.monotonic() - STARTED
        record = faults.FaultRecord(step.kind, round(at, 1))
        if step.kind == "poison":
            topics = (OFFER_PUBLISHED, MATCH_FOUND)
            self.poisons += await kafkatools.produce_poisons(self.bootstrap, self.prefix, topics)
            say(f"fault: {len(self.poisons)} poison messages produced")
            record.note = f"{len(self.poisons)} messages"
            self.records.append(record)
            return
        t_kill = time.monotonic()
        if step.kind in faults.SERVICE_FAULTS:
            await self.stack.kill(step.kind)
            say(f"fault: kill -9 {step.kind}")
            await self.restart()
            watched = [step.kind]
        elif step.kind == "outbox":
            await self.stack.kill("recommender")
            say("fault: recommender restarted with the outbox crash armed")
            code, err = await self.stack.up(faults.CRASHING_RECOMMENDER)
            if f"exit code {faults.CRASH_EXIT_CODE}" in err:
                record.note = "crashed after publishing, before clearing (while starting)"
            elif code == 0 and await self.stack.wait_exit("recommender", 120):
                record.note = "crashed after publishing, before clearing"
            else:
                record.note = f"not triggered ({err.strip().splitlines()[:1] or 'no publish'})"
                await self.stack.kill("recommender")
            say(f"fault: outbox relay {record.note}; restarting the recommender")
            t_kill = time.monotonic()
            await self.restart()
            watched = ["recommender"]
        else:
            await self.stack.kill(step.kind)
            say(f"fault: kill -9 {step.kind}")
            await asyncio.sleep(1.0)
            await self.restart()
            watched = list(faults.SERVICES)
        ready = await self.stack.wait_ready(watched, 300)
        record.ready_s = None if ready is None else round(time.monotonic() - t_kill, 1)
        if ready is None:
            record.note += " not ready after 300s"
        # FerretDB can hang on a database after a killed long bulk operation: the killed process
        # may be a service in the middle of one, not only FerretDB itself.
        hung = await self.ferretdb_hangs()
        if hung:
            self.ferretdb_hang = True
            record.note += f" FerretDB hang: no answer within 15s from {', '.join(hung)}"
        moving = await faults.wait_moving(self.progress_of(step.kind), 120)
        record.moving_s = None if moving is None else round(time.monotonic() - t_kill, 1)
        say(
            f"fault: {step.kind} recovered: ready after {record.ready_s}s, "
            f"moving after {record.moving_s}s {record.note}"
        )
        self.records.append(record)

    async def restart(self) -> None:
        """`stack.py up` until it succeeds: a loaded machine may need more than its minute."""
        for attempt in range(3):
            code, err = await self.stack.up()
            if code == 0:
                return
            last = err.strip().splitlines()[:1]
            say(f"fault: stack.py up failed (attempt {attempt + 1}): {last}")
            self.notes.append(f"stack.py up failed once: {last}")

    async def ferretdb_hangs(self) -> list[str]:
        """Service databases where a read by _id gets no answer within 15 s (FerretDB's known
        hang after a killed long bulk operation shows this way: one database stops answering)."""
        from pymongo import AsyncMongoClient

        async def silent(database: str, collection: str) -> bool:
            client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
                self.mongo_url, serverSelectionTimeoutMS=15000, socketTimeoutMS=15000
            )
            try:
                await client[database][collection].find_one({"_id": "chaos-probe"})
                return False
            except Exception:
                return True
            finally:
                await client.close()

        found = await asyncio.gather(*(silent(d, c) for d, c in SERVICE_COLLECTIONS))
        return [d for (d, _), hung in zip(SERVICE_COLLECTIONS, found, strict=True) if hung]

    async def run_faults(self, plan: list[faults.Step]) -> None:
        for step in plan:
            await asyncio.sleep(step.gap_s)
            try:
                await self.inject(step)
            except Exception as error:
                self.notes.append(f"fault {step.kind} failed: {error!r}")
                say(f"fault: {step.kind} could not be injected: {error!r}")

    # quiet period and observation -------------------------------------------------------------

    async def pending(self) -> dict[str, int]:
        from pymongo import AsyncMongoClient

        prefix = {"$regex": f"^{self.prefix}"}
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.mongo_url, serverSelectionTimeoutMS=10000
        )
        try:
            counts = {
                "deliveries": await client["tremplin_notifier"]["deliveries"].count_documents(
                    {"seeker_id": prefix, "status": "queued"}
                ),
            }
            for database, collection in (
                ("tremplin_recommender", "seekers"),
                ("tremplin_offers", "offers"),
                ("tremplin_profiles", "profiles"),
            ):
                counts[f"outbox:{database}"] = await client[database][collection].count_documents(
                    {"_id": prefix, "outbox.0": {"$exists": True}}
                )
            return counts
        finally:
            await client.close()

    async def drain(self, timeout_s: float, quiet_s: float, expected: int) -> dict[str, Any]:
        """Wait until the run's work is done: nothing received for `quiet_s`, either no consumer
        lag or every expected channel delivery seen (other users of a shared stack may keep the
        groups busy), and nothing of the run pending in an outbox or a delivery queue. The
        store is asked last, and only then: on FerretDB those reads scan whole collections."""
        t0 = time.monotonic()
        last_change = time.monotonic()
        last = -1
        lag: int | None = None
        while time.monotonic() - t0 < timeout_s:
            await asyncio.sleep(5)
            received = len(self.inboxes)
            if received != last:
                last, last_change = received, time.monotonic()
            try:
                lag = await kafkatools.watched_lag(self.bootstrap)
            except Exception as error:
                say(f"drain: Kafka: {type(error).__name__}; retrying")
                continue
            settled = lag == 0 or received >= expected
            if not settled or time.monotonic() - last_change < quiet_s:
                say(f"drain: {received}/{expected} received by the sinks; consumer lag {lag}")
                continue
            try:
                busy = {k: v for k, v in (await self.pending()).items() if v}
            except Exception as error:
                say(f"drain: store: {type(error).__name__}; retrying")
                continue
            if not busy:
                say(f"drain: quiet after {time.monotonic() - t0:.0f}s ({received} received)")
                return {"quiet": True, "lag_at_end": lag, "drain_s": round(time.monotonic() - t0)}
            say(f"drain: {received}/{expected} received; still pending {busy}")
            await asyncio.sleep(10)
        say(f"drain: not quiet after {timeout_s:.0f}s")
        return {"quiet": False, "lag_at_end": lag, "drain_s": round(timeout_s)}

    async def observe(self) -> checker.Observed:
        return await inbox.observe(self.mongo_url, self.prefix, self.inboxes.snapshot())

    async def check_dead_letters(self, since: dict[int, int]) -> dict[str, Any]:
        """Each poison in the dead-letter topic with its reason; its partition consumed past it;
        then the operator's replay puts them back once (still poison: they come back once)."""
        ours = {(p.topic, p.partition, p.offset): p for p in self.poisons}
        letters = [
            d
            for d in await kafkatools.dead_letters_since(self.bootstrap, since)
            if (d.topic, d.partition, d.offset) in ours and not d.replayed
        ]
        found = {(d.topic, d.partition, d.offset) for d in letters}
        missing = [p.kind + "@" + p.topic for k, p in ours.items() if k not in found]
        unexplained = [d for d in letters if not d.reason or d.kind != "poison"]
        groups = {
            OFFER_PUBLISHED: "recommender.offer-published",
            MATCH_FOUND: "notifier.match-found",
        }
        stuck = []
        for p in self.poisons:
            from aiokafka import TopicPartition

            position = await kafkatools.committed(
                self.bootstrap, groups[p.topic], TopicPartition(p.topic, p.partition)
            )
            if position <= p.offset:
                stuck.append(f"{p.topic}/{p.partition}@{p.offset}")
        report: dict[str, Any] = {
            "poisons": len(self.poisons),
            "dead_lettered": len(found),
            "missing": missing,
            "without_reason": len(unexplained),
            "partitions_stuck": stuck,
            "reasons": sorted({f"{d.topic}: {d.reason[:90]}" for d in letters}),
        }
        if letters and not self.args.no_replay:
            report["replay"] = await self.replay(letters, since)
        return report

    async def replay(self, letters: list[kafkatools.DeadLetter], since: dict[int, int]) -> Any:
        first = min(d.dlt_offset for d in letters)
        replayed: dict[str, Any] = {}
        for topic in sorted({d.topic for d in letters}):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "opscli",
                "dead-letters",
                "replay",
                "--topic",
                topic,
                "--since-offset",
                str(first),
                "--bootstrap-servers",
                self.bootstrap,
                cwd=REPO,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            out, _ = await process.communicate()
            replayed[topic] = {"exit": process.returncode, "output": out.decode()[-300:].strip()}
        # Still poison: each replayed message comes back once, marked x-replayed-from.
        ours = {(p.topic, p.partition) for p in self.poisons}
        back = 0
        for _ in range(30):
            await asyncio.sleep(2)
            back = sum(
                1
                for d in await kafkatools.dead_letters_since(self.bootstrap, since)
                if d.replayed and (d.topic, d.partition) in ours
            )
            if back >= len(letters):
                break
        replayed["came_back_to_dead_letters"] = back
        return replayed

    # the run ----------------------------------------------------------------------------------

    async def run(self) -> int:
        args = self.args
        say(f"chaos run {self.run_id}: {args.offers} offers, {args.seekers} seekers")
        # Others may be restarting a service right now: give it a minute.
        if await self.stack.wait_ready(["kafka", "ferretdb", *faults.SERVICES], 90) is None:
            say("chaos: the stack is not fully up and ready (python3 deploy/local/stack.py status)")
            hung = await self.ferretdb_hangs()
            if hung:
                say(f"chaos: FerretDB does not answer for {', '.join(hung)} (hung database?)")
            return 2
        t0 = time.monotonic()
        try:
            layout, expected = await asyncio.to_thread(
                checked_design,
                self.run_id,
                self.args.seed,
                self.args.seekers,
                self.args.offers,
                self.args.group_size,
            )
        except design.DesignError as error:
            say(f"chaos: the workload cannot give predictable alerts: {error}")
            return 2
        say(
            f"design: {len(layout.groups)} groups, {len(expected)} expected alerts "
            f"{dict(design.channel_counts(layout))}, checked by the engine in "
            f"{time.monotonic() - t0:.1f}s"
        )
        plan = faults.plan_faults(args.faults, args.kills, args.seed, (args.gap_min, args.gap_max))
        say(f"faults: {len(plan)} planned: {', '.join(s.kind for s in plan)}")
        stoppers = await self.start_sinks()
        say("sinks: SMTP, push and SMS receivers listening")
        dead_since = await kafkatools.end_offsets(self.bootstrap, DEAD_LETTER)
        duplicator = kafkatools.Duplicator(
            self.bootstrap, self.prefix, args.seed, share=args.duplicates
        )
        if args.duplicates > 0:
            await duplicator.start()
        try:
            t0 = time.monotonic()
            await self.create_seekers(layout)
            say(f"seekers: {len(layout.seekers)} created in {time.monotonic() - t0:.0f}s")
            estimate = sum(s.gap_s for s in plan) + 10.0 * len(plan)
            duration = args.publish_s if args.publish_s is not None else estimate
            await asyncio.gather(self.publish_offers(layout, duration), self.run_faults(plan))
            by_channel = design.channel_counts(layout)
            external = sum(n for channel, n in by_channel.items() if channel != design.INBOX)
            quiet = await self.drain(args.drain_timeout, args.quiet_s, external)
            await duplicator.stop()
            dead = await self.check_dead_letters(dead_since) if self.poisons else {}
            observed = await self.observe()
        finally:
            await duplicator.stop()
            for stop in stoppers:
                await stop()
        verdict = checker.check(
            layout.expected_channels(),
            observed,
            set(layout.seekers),
            set(layout.offers),
            strict_resends=args.strict_resends,
        )
        if not args.keep_data:
            await self.erase_seekers(layout)
        recoveries = [r.recovery_s for r in self.records if r.recovery_s is not None]
        kinds: dict[str, int] = {}
        for r in self.records:
            kinds[r.kind] = kinds.get(r.kind, 0) + (len(self.poisons) if r.kind == "poison" else 1)
        dead_failures = bool(dead) and bool(
            dead["missing"] or dead["partitions_stuck"] or dead["without_reason"]
        )
        extra = {
            "run_id": self.run_id,
            "seed": args.seed,
            "seekers": len(layout.seekers),
            "faults_by_kind": kinds,
            "duplicates_published": duplicator.total,
            **quiet,
            "ferretdb_hang": self.ferretdb_hang,
            "dead_letters": dead,
            "recoveries": [vars(r) for r in self.records],
            "examples": verdict.examples,
            "notes": self.notes,
            "elapsed_s": round(time.monotonic() - STARTED, 1),
        }
        line = checker.summary_line(
            verdict,
            offers=len(layout.offers),
            faults=sum(kinds.values()),
            dead_lettered=dead.get("dead_lettered", 0) if dead else 0,
            recovery_s_max=max(recoveries) if recoveries else None,
            extra=extra,
        )
        print(line, flush=True)
        return 0 if verdict.passed and not dead_failures else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="chaos.py",
        description="Seeded workload with known alerts, faults while it flows, then the check.",
    )
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--seekers", type=int, default=None, help="default: 2 per 10 offers")
    parser.add_argument("--group-size", type=int, default=2, help="seekers each offer suits")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--run-id", default=None, help="default: random (ids stay unique)")
    parser.add_argument(
        "--faults",
        default=",".join(faults.DEFAULT_FAULTS),
        help=f"comma-separated, among {','.join(faults.ALL_FAULTS)} (default: %(default)s)",
    )
    parser.add_argument("--kills", type=int, default=10, help="kills of each service")
    parser.add_argument("--gap-min", type=float, default=4.0, help="seconds between faults, min")
    parser.add_argument("--gap-max", type=float, default=12.0, help="seconds between faults, max")
    parser.add_argument("--duplicates", type=float, default=0.10, help="share published twice")
    parser.add_argument("--publish-s", type=float, default=None, help="spread the offers over")
    parser.add_argument("--batch", type=int, default=250, help="offers per import request")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=3600.0,
        help="longest wait for the work to be done once the offers are in (it ends when quiet)",
    )
    parser.add_argument("--quiet-s", type=float, default=10.0)
    parser.add_argument(
        "--strict-resends",
        action="store_true",
        help="count a resend with the same delivery id as a duplicate (providers drop them)",
    )
    parser.add_argument("--no-replay", action="store_true", help="skip the dead-letter replay")
    parser.add_argument("--keep-data", action="store_true", help="do not erase the run's seekers")
    for service in ("profiles", "offers", "notifier"):
        parser.add_argument(f"--{service}-url", default=service_url(service))
    args = parser.parse_args(argv)
    args.faults = [f for f in args.faults.split(",") if f]
    if args.seekers is None:
        args.seekers = math.ceil(args.offers / 10) * args.group_size
    return args


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # The local stack is a development run: the harness signs internal tokens as its services do.
    os.environ.setdefault("TREMPLIN_DEVELOPMENT", "true")
    args = parse_args(argv)
    return exit_code_of(lambda: Harness(args).run(), offers=args.offers)


if __name__ == "__main__":
    sys.exit(main())
