"""A batch of profile changes: each seeker ranked against the open offers, in memory; the seekers
read in one lookup and written in bulk, each once, on top of the revision read; the offers'
lists of who they alerted written in bulk too. A seeker written meanwhile is read and ranked again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from contracts import Envelope, ProfileUpdated
from contracts.vocabulary import WithdrawalReason
from recommender.domain.feedback import with_feedback
from recommender.domain.matches import is_material
from recommender.domain.model import seeker_from_event
from recommender.events import match_found, match_of, match_withdrawn
from recommender.repositories import (
    Document,
    SeekerWrite,
    facts_of,
    feedback_of,
    matches_of,
    stored_matches,
)
from recommender.service import ATTEMPTS, Recommender
from servicekit.data import ConcurrentUpdateError


@dataclass(frozen=True, eq=False)
class ProfilePlan:
    """One seeker's new state and events, ready to be written."""

    facts: ProfileUpdated
    write: SeekerWrite
    found: list[str]
    gone: list[str]
    changed: bool = True  # False: the same suggestions as stored (a re-match found nothing new)


async def recompute_matches_on_profiles_updated(
    recommender: Recommender,
    events: list[Envelope[ProfileUpdated]],
    partitions: list[int] | None = None,
) -> None:
    """`partitions` gives each event's profile-updated partition: stored with the seeker, it
    tells which replica holds them."""
    latest: dict[str, ProfileUpdated] = {}
    shard_of: dict[str, int] = {}
    for n, event in enumerate(events):
        facts = event.payload
        known = latest.get(facts.seeker_id)
        if known is None or known.version < facts.version:
            latest[facts.seeker_id] = facts
            if partitions is not None:
                shard_of[facts.seeker_id] = partitions[n]
    async with recommender.profiles_lock:
        await _apply_profiles(recommender, list(latest.values()), shard_of)


async def _apply_profiles(
    recommender: Recommender, pending: list[ProfileUpdated], shard_of: dict[str, int]
) -> None:
    engine = recommender.engine
    must_read: set[str] = set()
    for _ in range(ATTEMPTS):
        # The engine holds every stored seeker of the partitions this replica owns (loaded on
        # assignment): a seeker it does not know has no document yet, and needs no read.
        readable = [
            f.seeker_id
            for f in pending
            if f.seeker_id in engine.slot_of or f.seeker_id in must_read
        ]
        documents = await recommender.seekers.get_many(readable) if readable else {}
        closed = await _closed_among(recommender, documents.values())
        plans = []
        for facts in pending:
            document = documents.get(facts.seeker_id)
            if document is None or document["version"] < facts.version:
                shard = shard_of.get(facts.seeker_id)
                plans.append(plan_profile(recommender, facts, document, shard, closed))
            elif engine.version_of(facts.seeker_id) < document["version"]:
                # Written by the previous owner of the partition after this replica loaded
                # it: the engine catches up with the store.
                recommender.hold(document)
        failed = await write_plans(recommender, plans)
        pending = [p.facts for p in failed]
        must_read.update(f.seeker_id for f in pending)
        if not pending:
            return
    raise ConcurrentUpdateError(", ".join(f.seeker_id for f in pending))


async def rematch(recommender: Recommender, documents: list[Document]) -> None:
    """Rank stored seekers again (newly held by this replica) and write what changed."""
    pending = {d["_id"]: d for d in documents}
    for _ in range(ATTEMPTS):
        closed = await _closed_among(recommender, pending.values())
        plans = [
            plan
            for document in pending.values()
            if (
                plan := plan_profile(recommender, facts_of(document), document, None, closed)
            ).changed
        ]
        failed = await write_plans(recommender, plans)
        if not failed:
            return
        found = await recommender.seekers.get_many(p.facts.seeker_id for p in failed)
        pending = {i: d for i, d in found.items() if i in recommender.engine.slot_of}
    raise ConcurrentUpdateError("re-match after an assignment")


async def write_plans(recommender: Recommender, plans: list[ProfilePlan]) -> list[ProfilePlan]:
    """Write the plans in bulk; return those that lost to a concurrent write."""
    if not plans:
        return []
    written = await recommender.seekers.save([p.write for p in plans])
    done = [p for p in plans if p.facts.seeker_id in written]
    _note_alerts(recommender, done)
    await recommender.offers.note(
        added=_by_offer((p.facts.seeker_id, p.found) for p in done),
        removed=_by_offer((p.facts.seeker_id, p.gone) for p in done),
    )
    recommender.wake(p.facts.seeker_id for p in done if p.write.entries)
    return [p for p in plans if p.facts.seeker_id not in written]


async def _closed_among(recommender: Recommender, documents: Iterable[Document]) -> set[str]:
    """Offers suggested in these documents that this replica does not hold: the closed ones."""
    offers = recommender.engine.offers
    unknown = {o for d in documents for o in matches_of(d) if o not in offers}
    return await recommender.offers.closed_among(sorted(unknown)) if unknown else set()


def plan_profile(
    recommender: Recommender,
    facts: ProfileUpdated,
    document: Document | None,
    partition: int | None,
    closed: set[str],
) -> ProfilePlan:
    engine, settings = recommender.engine, recommender.settings
    if partition is None and document is not None:
        partition = document.get("partition")
    seeker = with_feedback(seeker_from_event(facts), feedback_of(document))
    engine.upsert(
        seeker,
        rejected=document.get("rejected", []) if document else [],
        alerts=document.get("alerts", 0) if document else 0,
        shard=partition,
    )
    current = matches_of(document)
    proposals: dict[str, Document] = {}
    for offer, scored in engine.rank_offers(facts.seeker_id):
        if recommender.reserve(offer, facts.seeker_id):
            proposals[offer.offer_id] = match_of(offer, scored, seeker)
        if len(proposals) >= settings.top_k:
            break
    entries, found = [], []
    for offer_id, match in proposals.items():
        if is_material(current.get(offer_id), match):
            entries.append(match_found(seeker, match, settings.strong_score))
            found.append(offer_id)
    # An offer suggested by the seeker's previous replica that this one has not read yet stays
    # as it is: this replica ranks the seeker for it when it reads it. A closed one goes
    # (closed while the seeker moved between replicas, nobody withdrew it then).
    unread = {o: m for o, m in current.items() if o not in engine.offers and o not in closed}
    gone = [o for o in current if o not in proposals and o not in unread]
    entries += [
        match_withdrawn(
            facts.seeker_id,
            o,
            WithdrawalReason.OFFER_CLOSED if o in closed else WithdrawalReason.PROFILE_CHANGED,
        )
        for o in gone
    ]
    state: Document = {
        "facts": facts.model_dump(mode="json"),
        "version": facts.version,
        "counsellor_id": facts.counsellor_id,
        "matches": stored_matches({**unread, **proposals}),
    }
    if partition is not None:
        state["partition"] = partition
    if not recommender.publish:
        entries = []
    changed = (
        document is None
        or bool(entries)
        or document.get("matches", {}) != state["matches"]
        or document.get("partition") != partition
    )
    rev = None if document is None else document["rev"]
    write = SeekerWrite(facts.seeker_id, rev, state, entries, alerts=len(found))
    return ProfilePlan(facts, write, found, gone, changed)


def _note_alerts(recommender: Recommender, plans: list[ProfilePlan]) -> None:
    engine = recommender.engine
    for plan in plans:
        seeker_id = plan.facts.seeker_id
        slot = engine.slot_of.get(seeker_id)
        if slot is not None:
            engine.alerts[slot] += len(plan.found)
        for offer_id in plan.found:
            engine.alerted[offer_id].add(seeker_id)


def _by_offer(changes: Iterable[tuple[str, list[str]]]) -> dict[str, list[str]]:
    by_offer: dict[str, list[str]] = defaultdict(list)
    for seeker_id, offer_ids in changes:
        for offer_id in offer_ids:
            by_offer[offer_id].append(seeker_id)
    return by_offer
