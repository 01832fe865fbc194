#!/usr/bin/env python3
"""Backup and restore drill: a dump under load, the databases wiped, restored, the consumers
moved back to the dump's moment, the platform started again; nothing written before the dump is
missing, and no alert reaches anybody twice.

    make drill-restore                      # against a stack it starts if needed
    python3 -m uv run --frozen --no-sync python deploy/local/restore_drill.py [--offers 120] [...]

Needs the running stack (`make up`) and the notifier's channel addresses free: the drill answers
on them with the chaos run's sinks (chaoslib/sinks.py: SMTP, push and SMS webhooks). Steps:

1. design (chaoslib/design.py): seekers in groups, each offer suiting one group, the alerts known
   in advance and checked against the recommender's own engine;
2. the seekers sign in through the gateway and write their preferences and profiles; an employer
   publishes the first offers through the gateway; every alert delivered;
3. under load: the employer publishes an offer every 1/--rate s while `tremplin backup dump`
   runs, and goes on for --after-dump offers once it has ended; every alert delivered;
4. the services stopped (`stack.py`'s own stop), every `tremplin_` database dropped, then
   `tremplin backup restore --yes` and `tremplin backup rewind --from DIR --yes`, and the
   services started again (`stack.py up`);
5. catch-up: every consumer group that ran before the stop consumes again with no lag;
6. the platform carries on: the last offers published, and alerted;
7. the check: every profile and offer acknowledged before T readable again through the gateway;
   each seeker's recommendations are exactly their group's offers; every expected alert exactly
   once in the inbox and on each channel (a resend under the same delivery id, dropped by the
   provider, is counted apart); nothing received before T sent again.

The dump's moment T is its start (FerretDB has no oplog: collections are read one after the
other). The last line printed is one JSON object with the figures; the exit code is 1 when a
check failed. The run's seekers are erased at the end (--keep-data keeps them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import httpx  # noqa: E402
from chaoslib import (  # noqa: E402
    checker,
    design,
    faults,
    harness,
    inbox,
    sinks,
)
from chaoslib.harness import STARTED, checked_design, exit_code_of, say  # noqa: E402

DATABASE_PREFIX = "tremplin_"
GATEWAY_ONLY_PROFILE_FIELDS = ("needs_support", "review_before_send")  # counsellors set these
SENT_BEFORE_RECORDED_S = 2.0  # a send is recorded just after it: older ones must be in the dump
retrying = functools.partial(harness.retrying, timeout_s=120)


def began(directory: Path) -> bool:
    return any(p.is_dir() for p in directory.iterdir())


class TimedInboxes(sinks.Inboxes):
    """The sinks' inboxes, with when each delivery id was first received."""

    def __init__(self) -> None:
        super().__init__()
        self.first_seen: dict[tuple[str, str], float] = {}

    def add(self, channel: str, key: str | None) -> None:
        super().add(channel, key)
        if key is not None:
            with self._lock:
                self.first_seen.setdefault((channel, key), time.time())


async def opscli(*args: str) -> dict[str, Any]:
    """`tremplin ARGS --json` as an operator runs it; its JSON answer."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "opscli",
        *args,
        "--json",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"tremplin {' '.join(args)}: exit {process.returncode}: {err.decode()}")
    answer: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return answer


class Drill:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.run_id = args.run_id or f"drill{uuid.uuid4().hex[:6]}"
        self.prefix = f"chaos-{self.run_id}-"  # chaoslib.design's ids
        self.bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
        self.mongo_url = os.environ.get("MONGO_URL", "mongodb://127.0.0.1:27017/")
        self.gateway_url = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000")
        self.stack = faults.Stack(REPO, log=say)
        self.inboxes = TimedInboxes()
        self.tokens: dict[str, dict[str, str]] = {}
        self.acknowledged: dict[str, float] = {}  # offer -> when the gateway accepted it
        self.published: list[str] = []
        self.failures: list[str] = []
        self.directory = Path(args.directory or tempfile.mkdtemp(prefix="tremplin-drill-"))
        self.directory.mkdir(parents=True, exist_ok=True)

    # the workload ------------------------------------------------------------------------------

    async def sign_in(self, gateway: httpx.AsyncClient, sub: str, role: str) -> dict[str, str]:
        if sub not in self.tokens:
            response = await retrying(
                f"token of {sub}",
                lambda: gateway.post("/v1/auth/dev-token", json={"sub": sub, "role": role}),
            )
            response.raise_for_status()
            self.tokens[sub] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self.tokens[sub]

    async def create_seekers(self, gateway: httpx.AsyncClient, layout: design.Design) -> None:
        async def create(seeker_id: str) -> None:
            me = await self.sign_in(gateway, seeker_id, "seeker")
            preferences = layout.preferences(seeker_id)
            answer = await retrying(
                "preferences",
                lambda: gateway.put("/v1/me/preferences", headers=me, json=preferences),
            )
            answer.raise_for_status()
            profile = {
                k: v
                for k, v in layout.profile(seeker_id).items()
                if k not in GATEWAY_ONLY_PROFILE_FIELDS
            }
            answer = await retrying(
                "profile", lambda: gateway.put("/v1/me/profile", headers=me, json=profile)
            )
            answer.raise_for_status()

        for start in range(0, len(layout.seekers), 8):
            await asyncio.gather(*(create(s) for s in layout.seekers[start : start + 8]))

    def offer(self, layout: design.Design, offer_id: str) -> dict[str, Any]:
        """The design's offer as an employer publishes it through the gateway."""
        group = layout.groups[layout.group_of_offer[offer_id]]
        return {
            "id": offer_id,
            "title": f"Drill {offer_id}",
            "rome_code": group.rome_code,
            "place": {
                "commune_code": group.place.commune_code,
                "latitude": group.place.latitude,
                "longitude": group.place.longitude,
            },
            "contract_type": design.CONTRACT,
            "experience_required": "D",
            "skills": [{"label": layout.skill, "required": True}],
            "working_time": "full_time",
        }

    async def publish(
        self, gateway: httpx.AsyncClient, layout: design.Design, offer_id: str
    ) -> None:
        employer = await self.sign_in(gateway, f"{self.prefix}employer", "employer")
        body = self.offer(layout, offer_id)
        answer = await retrying(
            f"offer {offer_id}", lambda: gateway.post("/v1/offers", headers=employer, json=body)
        )
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"offer {offer_id} refused: {answer.status_code} {answer.text}")
        self.acknowledged[offer_id] = time.time()
        self.published.append(offer_id)

    async def publish_during(
        self,
        gateway: httpx.AsyncClient,
        layout: design.Design,
        pool: list[str],
        directory: Path,
        dump: asyncio.Task[dict[str, Any]],
    ) -> None:
        """From the dump's first database on, one offer every 1/rate s until it has ended."""
        # The dump runs in its own process: its first database folder says it has begun.
        while not dump.done() and not began(directory):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        for offer_id in pool:
            if dump.done():
                return
            t0 = time.monotonic()
            await self.publish(gateway, layout, offer_id)
            await asyncio.sleep(max(0.0, 1 / self.args.rate - (time.monotonic() - t0)))

    # waiting -----------------------------------------------------------------------------------

    async def queued_deliveries(self) -> int:
        from pymongo import AsyncMongoClient

        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.mongo_url)
        try:
            return await client["tremplin_notifier"]["deliveries"].count_documents(
                {"seeker_id": {"$regex": f"^{self.prefix}"}, "status": "queued"}
            )
        finally:
            await client.close()

    def external_expected(self, layout: design.Design) -> int:
        published = set(self.published)
        return sum(
            1
            for (_, offer_id), channels in layout.expected_channels().items()
            if offer_id in published
            for channel in channels
            if channel != design.INBOX
        )

    def external_received(self) -> int:
        ours = {key for (_, key) in self.inboxes.first_seen if key.startswith(self.prefix)}
        return len(ours)

    async def settle(self, layout: design.Design, what: str) -> float:
        """Until every external delivery of the offers published so far was received once,
        and nothing of the run is queued; seconds taken."""
        t0 = time.monotonic()
        wanted = self.external_expected(layout)
        while time.monotonic() - t0 < self.args.settle_timeout:
            received = self.external_received()
            if received >= wanted and await self.queued_deliveries() == 0:
                await asyncio.sleep(self.args.quiet_s)  # late copies would show now
                say(f"{what}: {received}/{wanted} deliveries in {time.monotonic() - t0:.1f}s")
                return time.monotonic() - t0
            await asyncio.sleep(0.5)
        self.failures.append(
            f"{what}: {self.external_received()}/{wanted} deliveries after "
            f"{self.args.settle_timeout:.0f}s"
        )
        say(self.failures[-1])
        return time.monotonic() - t0

    async def live_groups(self) -> dict[str, int]:
        """Consumer groups with live members on Tremplin's topics, and their lag."""
        from opscli.kafka_ops import consumer_lag
        from servicekit.settings import KafkaSettings

        lags = await consumer_lag(KafkaSettings(bootstrap_servers=self.bootstrap))
        return {g.group: g.lag for g in lags if g.members > 0}

    async def catch_up(self, groups: set[str]) -> float | None:
        """Seconds until every group of `groups` consumes again with no lag."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < self.args.settle_timeout:
            with contextlib.suppress(Exception):
                live = await self.live_groups()
                if groups <= set(live) and not any(live[g] for g in groups):
                    return time.monotonic() - t0
            await asyncio.sleep(0.5)
        return None

    # stop, wipe, restore, start ------------------------------------------------------------------

    async def stop_services(self) -> None:
        await asyncio.to_thread(self.stack.stop_services)

    async def wipe(self) -> list[str]:
        from pymongo import AsyncMongoClient

        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.mongo_url)
        try:
            names = [n for n in await client.list_database_names() if n.startswith(DATABASE_PREFIX)]
            for name in names:
                await client.drop_database(name)
            left = [n for n in await client.list_database_names() if n in names]
        finally:
            await client.close()
        if left:
            raise RuntimeError(f"still there after the wipe: {left}")
        return names

    # the checks ----------------------------------------------------------------------------------

    async def missing_before(
        self, gateway: httpx.AsyncClient, layout: design.Design, t: float
    ) -> list[str]:
        """Profiles and offers acknowledged before T that the gateway cannot read again."""
        missing = []
        for seeker_id in layout.seekers:
            me = await self.sign_in(gateway, seeker_id, "seeker")
            answer = await gateway.get("/v1/me/profile", headers=me)
            if answer.status_code != 200:
                missing.append(f"profile {seeker_id}: {answer.status_code}")
        employer = await self.sign_in(gateway, f"{self.prefix}employer", "employer")
        for offer_id, at in self.acknowledged.items():
            if at < t:
                answer = await gateway.get(f"/v1/offers/{offer_id}", headers=employer)
                if answer.status_code != 200:
                    missing.append(f"offer {offer_id}: {answer.status_code}")
        return missing

    async def offers_not_in_owner_store(
        self, gateway: httpx.AsyncClient, offer_ids: list[str]
    ) -> int:
        employer = await self.sign_in(gateway, f"{self.prefix}employer", "employer")
        lost = 0
        for offer_id in offer_ids:
            answer = await gateway.get(f"/v1/offers/{offer_id}", headers=employer)
            lost += answer.status_code == 404
        return lost

    async def wrong_recommendations(
        self, gateway: httpx.AsyncClient, layout: design.Design
    ) -> list[str]:
        """Seekers whose recommendations are not exactly their group's published offers."""
        published = set(self.published)
        wrong = []
        for group in layout.groups:
            wanted = {o for o in group.offers if o in published}
            for seeker_id in group.seekers:
                me = await self.sign_in(gateway, seeker_id, "seeker")
                answer = await gateway.get("/v1/me/recommendations", headers=me)
                got = {r["offer_id"] for r in answer.json()} if answer.status_code == 200 else set()
                if got != wanted:
                    wrong.append(f"{seeker_id}: {len(got)} of {len(wanted)}")
        return wrong

    async def observe(self) -> checker.Observed:
        return await inbox.observe(self.mongo_url, self.prefix, self.inboxes.snapshot())

    def resent_keys(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for reception in self.inboxes.snapshot():
            if reception.key.startswith(self.prefix):
                pair = (reception.channel, reception.key)
                counts[pair] = counts.get(pair, 0) + 1
        return {pair: n - 1 for pair, n in counts.items() if n > 1}

    async def erase(self, gateway: httpx.AsyncClient, layout: design.Design) -> None:
        for seeker_id in layout.seekers:
            with contextlib.suppress(httpx.HTTPError):
                await gateway.delete(
                    "/v1/me", headers=await self.sign_in(gateway, seeker_id, "seeker")
                )

    # the run -----------------------------------------------------------------------------------

    async def run(self) -> int:
        args = self.args
        services = list(faults.SERVICES)
        if await self.stack.wait_ready(["kafka", "ferretdb", *services], 90) is None:
            say("drill: the stack is not fully up and ready (python3 deploy/local/stack.py status)")
            return 2
        layout, _ = await asyncio.to_thread(
            checked_design, self.run_id, args.seed, args.seekers, args.offers, 2
        )
        offers = list(layout.offers)
        first, pool, last = (
            offers[: args.before],
            offers[args.before : len(offers) - args.after_restore],
            offers[len(offers) - args.after_restore :],
        )
        say(f"drill {self.run_id}: {len(layout.seekers)} seekers, {len(offers)} offers")
        stoppers = await self.start_sinks()
        directory = self.directory
        figures: dict[str, Any] = {"run_id": self.run_id, "directory": str(directory)}
        try:
            async with httpx.AsyncClient(base_url=self.gateway_url, timeout=60) as gateway:
                await self.create_seekers(gateway, layout)
                for offer_id in first:
                    await self.publish(gateway, layout, offer_id)
                say(f"load: {len(layout.seekers)} seekers and {len(first)} offers published")
                await self.settle(layout, "before the dump")

                dump = asyncio.create_task(opscli("backup", "dump", str(directory)))
                await self.publish_during(
                    gateway, layout, pool[: -args.after_dump], directory, dump
                )
                dumped = await dump
                for offer_id in pool[-args.after_dump :]:
                    await self.publish(gateway, layout, offer_id)
                t = datetime.fromisoformat(dumped["moment"]).timestamp()
                finished = datetime.fromisoformat(dumped["finished_at"]).timestamp()
                during = [o for o in self.published if t <= self.acknowledged[o] < finished]
                after = [o for o in self.published if self.acknowledged[o] >= finished]
                say(
                    f"dump: {dumped['documents']} documents, {dumped['bytes'] / 1e6:.1f} MB in "
                    f"{dumped['seconds']}s while {len(during)} offers were published; "
                    f"{len(after)} after it"
                )
                await self.settle(layout, "after the dump")
                groups = set(await self.live_groups())

                t0 = time.monotonic()
                await self.stop_services()
                stop_s = time.monotonic() - t0
                wiped = await self.wipe()
                say(f"wipe: services stopped in {stop_s:.1f}s; {len(wiped)} databases dropped")
                restored = await opscli("backup", "restore", str(directory), "--yes")
                rewound = await opscli("backup", "rewind", "--from", str(directory), "--yes")
                say(
                    f"restore: {restored['documents']} documents in {restored['seconds']}s; "
                    f"{rewound['groups']} groups rewound, {rewound['events']} events to re-read"
                )
                t0 = time.monotonic()
                code, error = await self.stack.up()
                if code != 0:
                    raise RuntimeError(f"the services did not start again: {error}")
                restart_s = time.monotonic() - t0
                caught_up = await self.catch_up(groups)
                catch_up_s = None if caught_up is None else caught_up + restart_s
                if caught_up is None:
                    self.failures.append(f"consumer groups not caught up: {groups}")
                say(f"restart: ready in {restart_s:.1f}s, caught up after {catch_up_s}s")
                await self.settle(layout, "after the restore")

                for offer_id in last:
                    await self.publish(gateway, layout, offer_id)
                carry_on_s = await self.settle(layout, "carrying on")

                missing = await self.missing_before(gateway, layout, t)
                lost_from_owner = await self.offers_not_in_owner_store(gateway, after)
                wrong = await self.wrong_recommendations(gateway, layout)
                observed = await self.observe()
                if not args.keep_data:
                    await self.erase(gateway, layout)
        finally:
            for stop in stoppers:
                await stop()
        published = set(self.published)
        expected = {k: v for k, v in layout.expected_channels().items() if k[1] in published}
        verdict = checker.check(expected, observed, set(layout.seekers), published)
        resent = self.resent_keys()
        resent_before_t = [
            key
            for (channel, key) in resent
            if self.inboxes.first_seen[(channel, key)] < t - SENT_BEFORE_RECORDED_S
        ]
        if missing:
            self.failures.append(f"written before T and missing: {missing[:5]}")
        if wrong:
            self.failures.append(f"recommendations not the group's offers: {wrong[:5]}")
        if resent_before_t:
            self.failures.append(f"sent before T and sent again: {resent_before_t[:5]}")
        if not verdict.passed:
            self.failures.append(f"alerts: {verdict.examples}")
        figures.update(
            {
                "seekers": len(layout.seekers),
                "offers": len(self.published),
                "offers_before_dump": len(first),
                "offers_during_dump": len(during),
                "offers_after_dump": len(after),
                "offers_after_restore": len(last),
                "databases": len(dumped["databases"]),
                "documents_dumped": dumped["documents"],
                "dump_bytes": dumped["bytes"],
                "dump_s": dumped["seconds"],
                "restore_s": restored["seconds"],
                "documents_restored": restored["documents"],
                "groups_rewound": rewound["groups"],
                "events_reread": rewound["events"],
                "stop_s": round(stop_s, 1),
                "restart_s": round(restart_s, 1),
                "catch_up_s": None if catch_up_s is None else round(catch_up_s, 1),
                "carry_on_s": round(carry_on_s, 1),
                "missing_before_t": len(missing),
                "offers_after_dump_lost_by_owner": lost_from_owner,
                "recommendations_wrong": len(wrong),
                "expected_alerts": verdict.expected,
                "expected_deliveries": verdict.expected_deliveries,
                "delivered": verdict.delivered,
                "lost": verdict.lost,
                "duplicated": verdict.duplicated,
                "unexpected": verdict.unexpected,
                "resent_same_id": verdict.resent,
                "resent_before_t": len(resent_before_t),
                "by_channel": verdict.by_channel,
                "failures": self.failures,
                "elapsed_s": round(time.monotonic() - STARTED, 1),
            }
        )
        print(json.dumps(figures), flush=True)
        return 1 if self.failures else 0

    async def start_sinks(self) -> list[Callable[[], Awaitable[None]]]:
        return await sinks.start_channel_sinks(self.inboxes, "drill")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="restore_drill.py", description=__doc__.split("\n")[0])
    parser.add_argument("--seekers", type=int, default=40, help="in groups of two")
    parser.add_argument("--offers", type=int, default=120)
    parser.add_argument("--before", type=int, default=40, help="offers published before the dump")
    parser.add_argument("--rate", type=float, default=4.0, help="offers/s during the dump")
    parser.add_argument("--after-dump", type=int, default=10, help="offers once it has ended")
    parser.add_argument(
        "--after-restore", type=int, default=20, help="offers published after the restart"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--directory", default=None, help="where the dump goes (default: a temp)")
    parser.add_argument("--quiet-s", type=float, default=3.0)
    parser.add_argument("--settle-timeout", type=float, default=180.0)
    parser.add_argument("--keep-data", action="store_true")
    args = parser.parse_args(argv)
    if args.before + args.after_dump + args.after_restore >= args.offers:
        parser.error("--offers must leave offers for the dump after the others")
    return args


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TREMPLIN_DEVELOPMENT", "true")
    args = parse_args(argv)
    return exit_code_of(lambda: Drill(args).run())


if __name__ == "__main__":
    sys.exit(main())
