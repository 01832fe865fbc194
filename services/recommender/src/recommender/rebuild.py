"""Rebuild the recommender's store from scratch by reading its topics from the first retained event.

    python -m recommender.rebuild          # reads the topics and says what it would rebuild
    python -m recommender.rebuild --yes    # wipes the store and rebuilds it

Stop every recommender replica first. The command reads profile-updated, profile-deleted,
offer-published, offer-closed and feedback-recorded from their earliest retained offsets, with a
consumer of its own (no consumer group: the service's committed offsets do not move), up to the
offsets they had when it started. It keeps each seeker's and each offer's latest version, drops
erased seekers and closed offers, then recomputes every seeker's suggestions with the service's
own code. It publishes nothing: the suggestions it finds are written as already announced (they
were, when they were first found), so no seeker is alerted twice. Events published after the
rebuild started are the service's business when it restarts (it resumes from its own offsets,
and what the rebuild already applied is skipped by version).

What a replay cannot give back: the seekers' alert counters restart from their current
suggestions, and a feedback's facts (distance, salary) are those of the offer's latest version.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from rich.console import Console

from contracts import (
    FEEDBACK_RECORDED,
    OFFER_CLOSED,
    OFFER_PUBLISHED,
    PROFILE_DELETED,
    PROFILE_UPDATED,
    Envelope,
    FeedbackRecorded,
    OfferClosed,
    OfferPublished,
    ProfileDeleted,
    ProfileUpdated,
    decode,
    topic_name,
)
from recommender.config import Settings
from recommender.domain.engine import MatchingEngine
from recommender.domain.model import Offer, offer_from_event
from recommender.feedback import said_about
from recommender.matching import recompute_matches_on_profiles_updated
from recommender.repositories import Document, open_repositories
from recommender.service import Recommender
from refdata import Referential, get_referential
from servicekit.broker import POISON_ERRORS
from servicekit.data import Database
from servicekit.mongo import mongo_client
from servicekit.terminal_progress import progress_bar

TOPICS = (PROFILE_UPDATED, PROFILE_DELETED, OFFER_PUBLISHED, OFFER_CLOSED, FEEDBACK_RECORDED)
BATCH = 500
Advance = Callable[[int], None]


class RebuildError(RuntimeError):
    pass


@dataclass
class History:
    """The latest state the topics tell, folded record by record."""

    profiles: dict[str, tuple[Envelope[ProfileUpdated], int]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    offers: dict[str, OfferPublished] = field(default_factory=dict)
    closed: set[str] = field(default_factory=set)
    feedback: list[FeedbackRecorded] = field(default_factory=list)
    read: int = 0
    unreadable: int = 0

    def add(self, base: str, record: ConsumerRecord[bytes, bytes]) -> None:
        self.read += 1
        try:
            if base == PROFILE_UPDATED and record.value is None:  # erased: compaction's tombstone
                self.deleted.add(record.key.decode())
            elif base == PROFILE_UPDATED:
                profile = decode(record.value, ProfileUpdated)
                known = self.profiles.get(profile.payload.seeker_id)
                if known is None or known[0].payload.version < profile.payload.version:
                    self.profiles[profile.payload.seeker_id] = (profile, record.partition)
            elif base == PROFILE_DELETED:
                self.deleted.add(decode(record.value, ProfileDeleted).payload.seeker_id)
            elif base == OFFER_PUBLISHED:
                offer = decode(record.value, OfferPublished).payload
                latest = self.offers.get(offer.offer_id)
                if latest is None or latest.version < offer.version:
                    self.offers[offer.offer_id] = offer
            elif base == OFFER_CLOSED:
                self.closed.add(decode(record.value, OfferClosed).payload.offer_id)
            else:
                self.feedback.append(decode(record.value, FeedbackRecorded).payload)
        except POISON_ERRORS:
            self.unreadable += 1  # the service dead-lettered it too

    def live_profiles(self) -> list[tuple[Envelope[ProfileUpdated], int]]:
        return [
            p for seeker_id, p in sorted(self.profiles.items()) if seeker_id not in self.deleted
        ]


async def read_history(
    settings: Settings, on_total: Advance | None = None, advance: Advance | None = None
) -> History:
    """Every retained event of the recommender's topics, up to the offsets found at start."""
    kafka = settings.kafka
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        base_of = {topic_name(base, kafka.topic_suffix): base for base in TOPICS}
        # Public calls fetch metadata only for subscribed topics: ask for all of them.
        await consumer._client.force_metadata_update()
        partitions = []
        for name in base_of:
            numbers = consumer.partitions_for_topic(name)
            if not numbers:
                raise RebuildError(f"topic {name!r} does not exist on the broker")
            partitions += [TopicPartition(name, p) for p in sorted(numbers)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        if on_total is not None:
            on_total(sum(ends[tp] - starts[tp] for tp in partitions))
        history = History()
        left = {tp for tp in partitions if ends[tp] > starts[tp]}
        while left:
            for tp, records in (await consumer.getmany(*left, timeout_ms=500)).items():
                wanted = [r for r in records if r.offset < ends[tp]]
                for record in wanted:
                    history.add(base_of[tp.topic], record)
                if advance is not None:
                    advance(len(wanted))
            left = {tp for tp in left if await consumer.position(tp) < ends[tp]}
        return history
    finally:
        await asyncio.sleep(0)  # aiokafka: let the consumer's task start before stopping it
        await consumer.stop()


def feedback_document(
    feedback: FeedbackRecorded, profile: ProfileUpdated, offer: Offer
) -> Document:
    """What `record_feedback` stored, recomputed from the seeker's and the offer's facts."""
    place = profile.place
    return said_about(offer, feedback.reason, place.latitude, place.longitude, feedback.recorded_at)


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class Rebuilt:
    seekers: int
    open_offers: int
    closed_offers: int
    matches: int


async def rebuild_store(
    settings: Settings,
    history: History,
    engine: MatchingEngine,
    advance: Advance | None = None,
) -> Rebuilt:
    """Wipe the recommender's store and write the state the history tells, publishing nothing."""
    async with mongo_client(settings.mongo) as client:
        for collection in ("seekers", "offers", "erasures"):
            await client[settings.database].drop_collection(collection)
        database = await Database.open(client[settings.database], settings.mongo.engine)
        seekers, offers = await open_repositories(database)
        recommender = Recommender(seekers, offers, engine, settings, publish=False)

        stored: list[Document] = []
        for offer_id, published in sorted(history.offers.items()):
            offer = offer_from_event(published)
            closed = offer_id in history.closed
            if not closed:
                engine.add_offer(offer)
            stored.append(
                {
                    "_id": offer_id,
                    "offer": asdict(offer),
                    "version": offer.version,
                    "status": "closed" if closed else "matched",
                    "alerted": [],
                    "matched": [],
                }
            )
        stored += [
            {"_id": i, "status": "closed", "version": 0, "alerted": [], "matched": []}
            for i in sorted(history.closed - set(history.offers))
        ]
        await offers.documents.insert_new(stored)

        live = history.live_profiles()
        # Feedback first, in the seekers' documents: the suggestions are then computed with it.
        said: dict[str, list[Document]] = {}
        for feedback in history.feedback:
            known = history.profiles.get(feedback.seeker_id)
            latest = history.offers.get(feedback.offer_id)
            if (
                known is not None
                and latest is not None
                and feedback.seeker_id not in history.deleted
            ):
                said.setdefault(feedback.seeker_id, []).append(
                    feedback_document(feedback, known[0].payload, offer_from_event(latest))
                )
        if said:
            await seekers.documents.insert_new(
                [
                    {
                        "_id": seeker_id,
                        "facts": history.profiles[seeker_id][0].payload.model_dump(mode="json"),
                        "version": 0,  # older than any profile: the profile below applies
                        "partition": history.profiles[seeker_id][1],
                        "matches": {},
                        "feedback": sorted(entries, key=_recorded_at),
                        "rejected": sorted({e["offer_id"] for e in entries}),
                        "alerts": 0,
                        "rev": 1,
                        "outbox": [],
                    }
                    for seeker_id, entries in said.items()
                ]
            )
        for batch in chunks(live, BATCH):
            await recompute_matches_on_profiles_updated(
                recommender,
                [envelope for envelope, _ in batch],
                [partition for _, partition in batch],
            )
            if advance is not None:
                advance(len(batch))
        matches = 0
        async for document in seekers.every(["matches"]):
            matches += len(document.get("matches", {}))
        return Rebuilt(
            seekers=len(live),
            open_offers=len(engine.offers),
            closed_offers=len(stored) - len(engine.offers),
            matches=matches,
        )


def _recorded_at(entry: Document) -> datetime:
    return entry["recorded_at"]  # type: ignore[no-any-return]


async def run(settings: Settings, referential: Referential, yes: bool, console: Console) -> int:
    # Imported here: importing main builds the service's app (and configures its logging).
    from recommender.main import build_engine

    with progress_bar(console) as progress:
        reading = progress.add_task("Reading the topics", total=None)
        try:
            history = await read_history(
                settings,
                on_total=lambda total: progress.update(reading, total=total),
                advance=lambda n: progress.advance(reading, n),
            )
        except RebuildError as error:
            console.print(f"[red]error:[/] {error}")
            return 2
    live = history.live_profiles()
    console.print(
        f"{history.read:,} events read ({history.unreadable:,} unreadable): "
        f"{len(live):,} seekers ({len(history.deleted):,} erased), "
        f"{len(history.offers) - len(history.closed & set(history.offers)):,} open offers, "
        f"{len(history.feedback):,} feedbacks"
    )
    if not yes:
        console.print(
            f"[yellow]Nothing done.[/] This wipes the database {settings.database!r} and rebuilds "
            "it from these events: with every recommender replica stopped, run again with --yes."
        )
        return 1
    engine = build_engine(settings, referential)
    with progress_bar(console) as progress:
        matching = progress.add_task("Matching the seekers", total=len(live))
        rebuilt = await rebuild_store(
            settings, history, engine, advance=lambda n: progress.advance(matching, n)
        )
    console.print(
        f"[green]Done.[/] {rebuilt.seekers:,} seekers, {rebuilt.open_offers:,} open offers "
        f"({rebuilt.closed_offers:,} closed), {rebuilt.matches:,} suggestions; nothing published."
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m recommender.rebuild",
        description="Rebuild the recommender's store from its topics, from the first retained "
        "event. Reads RECOMMENDER_*, KAFKA_* and MONGO_* like the service.",
    )
    parser.add_argument(
        "--yes", action="store_true", help="Do it (without it, only say what would be done)."
    )
    args = parser.parse_args(argv)
    return asyncio.run(run(Settings(), get_referential(), args.yes, Console()))


if __name__ == "__main__":
    sys.exit(main())
