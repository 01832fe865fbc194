"""Keeps every seeker's suggestions up to date as profiles and offers change.

Each change of a seeker's suggestions and the events telling about it are written in ONE guarded
update of the seeker's document (its outbox inside), so that state and events never disagree; the
outbox relay publishes them. Redelivered events find their effect already there and publish nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError
from pymongo.results import UpdateResult

from contracts import (
    FEEDBACK_RECORDED,
    MATCH_FOUND,
    MATCH_WITHDRAWN,
    Envelope,
    FeedbackRecorded,
    MatchFound,
    MatchWithdrawn,
    OfferClosed,
    OfferPublished,
    ProfileDeleted,
    ProfileUpdated,
    new_envelope,
)
from contracts.vocabulary import FeedbackReason, WithdrawalReason
from recommender.config import Settings
from recommender.domain.engine import MatchingEngine, haversine_km
from recommender.domain.fairness import alert_cap
from recommender.domain.feedback import Feedback, with_feedback
from recommender.domain.matches import is_material, keep_best
from recommender.domain.model import Offer, Seeker, offer_from_event, seeker_from_event
from recommender.domain.scoring import Scored
from recommender.store import (
    Document,
    RecommenderStore,
    facts_of,
    feedback_of,
    matches_of,
    offer_document,
    offer_of,
    stored_matches,
)
from servicekit.locks import KeyedLocks
from servicekit.metrics import counter
from servicekit.mongo import in_commands
from servicekit.outbox import outbox_entry

PRODUCER = "recommender"
ATTEMPTS = 20
log = logging.getLogger(__name__)
MATCHES = counter(
    "tremplin_recommender_matches_total",
    "Matches computed for publication: found (strong or normal) or withdrawn (by reason). A "
    "write conflict recomputes, so this may exceed the match events published.",
    ["outcome", "kind"],
)


class ConcurrentUpdateError(Exception):
    pass


@dataclass(frozen=True, eq=False)
class ProfilePlan:
    """One seeker's new state and events, ready to be written."""

    facts: ProfileUpdated
    entries: list[Document]
    found: list[str]
    gone: list[str]
    insert: Document | None = None
    update: tuple[Document, Document] | None = None
    changed: bool = True  # False: the same suggestions as stored (a re-match found nothing new)


class UnknownError(LookupError):
    pass


class Recommender:
    def __init__(
        self,
        store: RecommenderStore,
        engine: MatchingEngine,
        settings: Settings,
        publish: bool = True,
    ) -> None:
        self.store = store
        self.engine = engine
        self.settings = settings
        # False while rebuilding from the topics: suggestions are written as already announced.
        self.publish = publish
        self.on_published: list[Any] = []  # callbacks woken when the outbox has something new
        # FerretDB 1.24 loses one of two concurrent updates of a document: every write of a seeker
        # document (which the outbox relay also updates) holds that document's lock.
        self.locks = KeyedLocks()
        self.offer_locks = KeyedLocks()  # offer documents: the offer's and profiles' handlers
        # Seekers are sharded by the profile-updated partitions this replica owns; every replica
        # holds every open offer.
        self.owned: set[int] = set()
        self.assigned = asyncio.Event()  # set once the first assignment is loaded
        # A batch of profile events and a change of owned partitions never overlap.
        self.profiles_lock = asyncio.Lock()
        # Offers are matched only while the seekers held are those of the owned partitions: from
        # the revocation of partitions until the next assignment is loaded, offers wait. Two
        # replicas never match the same seeker, even for an instant.
        self._serving = asyncio.Event()
        self._matching = asyncio.Lock()
        self.stopping = False

    # Start

    async def load_offers(self) -> int:
        """Load the open offers into the engine; return how many it holds."""
        async for document in self.store.offers.find({"status": {"$ne": "closed"}}):
            if "offer" not in document:
                continue
            self.engine.add_offer(offer_of(document))
            self.engine.alerted[document["_id"]].update(document.get("alerted", []))
        return len(self.engine.offers)

    async def rebuild(self, partitions: set[int] | None = None) -> int:
        """Load the read models into the engine (only these partitions' seekers if given, all
        otherwise, without re-matching); return how many seekers it holds."""
        await self.load_offers()
        query: Document = {} if partitions is None else {"partition": {"$in": sorted(partitions)}}
        async for document in self.store.seekers.find(query, {"outbox": 0}):
            self._hold(document)
        return len(self.engine)

    async def own_partitions(self, partitions: set[int]) -> tuple[int, int]:
        """Hold exactly these partitions' seekers: drop the others, load and re-match the new
        ones against the open offers; return (seekers loaded, seekers dropped).

        An offer handled while its seekers moved between replicas reached neither the old owner
        (which had dropped them) nor the new one (which had not loaded them yet): the re-match
        finds it. It publishes only what the stored suggestions lack, so nothing is announced
        twice.
        """
        async with self.profiles_lock:
            gone = self.engine.seekers_outside(partitions)
            for seeker_id in gone:
                self.engine.remove(seeker_id, forget_alerts=False)
            new = partitions - self.owned
            self.owned = set(partitions)
            loaded: list[Document] = []
            try:
                if new:
                    query = {"partition": {"$in": sorted(new)}}
                    async for document in self.store.seekers.find(query):
                        self._hold(document)
                        loaded.append(document)
                    # The previous owner may have stopped before relaying its last events.
                    self._wake(d["_id"] for d in loaded if d.get("outbox"))
                    await self._rematch(loaded)
            except Exception:
                # Serving goes on (offers must not wait forever): the seekers not re-matched get
                # an offer handled during the hand-over at their next profile update.
                log.exception("re-match after an assignment failed")
            finally:
                self.assigned.set()
                self._serving.set()
            log.info(
                "partitions owned",
                extra={"partitions": sorted(partitions), "loaded": len(loaded), "gone": len(gone)},
            )
            return len(loaded), len(gone)

    async def stop_serving(self, relay_timeout_s: float = 10.0) -> None:
        """Partitions are being revoked: finish the work in hand, match nothing more, and wait
        until the outbox relay has sent the events of the owned seekers: the next owner of a
        partition then finds its documents at rest."""
        async with self.profiles_lock, self._matching:
            self._serving.clear()

        if self.stopping or not self.owned:
            return  # the relay has stopped: the next owner sends what is left
        pending = {"partition": {"$in": sorted(self.owned)}, "outbox.0": {"$exists": True}}
        deadline = time.monotonic() + relay_timeout_s
        while await self.store.seekers.find_one(pending, {"_id": 1}) is not None:
            if time.monotonic() > deadline:
                log.warning("events of revoked partitions still pending; the next owner sends them")
                return
            await asyncio.sleep(0.05)

    @contextlib.asynccontextmanager
    async def matching(self) -> AsyncIterator[None]:
        """Held while an offer is matched: waits while the owned partitions change."""
        while True:
            await self._serving.wait()
            await self._matching.acquire()
            if self._serving.is_set():
                break
            self._matching.release()
        try:
            yield
        finally:
            self._matching.release()

    def _hold(self, document: Document) -> None:
        seeker = with_feedback(seeker_from_event(facts_of(document)), feedback_of(document))
        self.engine.upsert(
            seeker,
            rejected=document.get("rejected", []),
            alerts=document.get("alerts", 0),
            shard=document.get("partition", -1),
        )
        for offer_id in matches_of(document):
            self.engine.alerted[offer_id].add(document["_id"])

    async def _rematch(self, documents: list[Document]) -> None:
        pending = {d["_id"]: d for d in documents}
        for _ in range(ATTEMPTS):
            closed = await self._closed_among(list(pending.values()))
            plans = [
                plan
                for document in pending.values()
                if (plan := self._plan_profile(facts_of(document), document, closed=closed)).changed
            ]
            if not plans:
                return
            failed = await self._write_plans(plans)
            done = [p for p in plans if p not in failed]
            await self._note_alerts(done)
            self._wake(p.facts.seeker_id for p in done if p.entries)
            if not failed:
                return
            ids = [p.facts.seeker_id for p in failed]
            pending = {
                d["_id"]: d
                async for d in self.store.seekers.find({"_id": {"$in": ids}}, {"outbox": 0})
                if d["_id"] in self.engine.slot_of
            }
        raise ConcurrentUpdateError("re-match after an assignment")

    # Profiles

    async def recompute_matches_on_profile_updated(self, event: Envelope[ProfileUpdated]) -> None:
        await self.recompute_matches_on_profiles_updated([event])

    async def recompute_matches_on_profiles_updated(
        self, events: list[Envelope[ProfileUpdated]], partitions: list[int] | None = None
    ) -> None:
        """Apply a batch of profile changes: one read and one bulk write for the whole batch.

        `partitions` gives each event's profile-updated partition: stored with the seeker, it
        tells which replica holds them.
        """
        latest: dict[str, ProfileUpdated] = {}
        shard_of: dict[str, int] = {}
        for n, event in enumerate(events):
            facts = event.payload
            known = latest.get(facts.seeker_id)
            if known is None or known.version < facts.version:
                latest[facts.seeker_id] = facts
                if partitions is not None:
                    shard_of[facts.seeker_id] = partitions[n]
        async with self.profiles_lock:
            await self._apply_profiles(list(latest.values()), shard_of)

    async def _apply_profiles(
        self, pending: list[ProfileUpdated], shard_of: dict[str, int]
    ) -> None:
        must_read: set[str] = set()
        for _ in range(ATTEMPTS):
            # The engine holds every stored seeker of the partitions this replica owns (loaded on
            # assignment): a seeker it does not know has no document yet, and needs no read.
            # Reads go by _id one by one, which every store serves from its primary index.
            readable = [
                f.seeker_id
                for f in pending
                if f.seeker_id in self.engine.slot_of or f.seeker_id in must_read
            ]
            found = await asyncio.gather(
                *(self.store.seekers.find_one({"_id": i}) for i in readable)
            )
            documents: dict[str, Document] = {
                i: d for i, d in zip(readable, found, strict=True) if d is not None
            }
            plans = []
            closed = await self._closed_among(list(documents.values()))
            for facts in pending:
                document = documents.get(facts.seeker_id)
                if document is None or document["version"] < facts.version:
                    plans.append(
                        self._plan_profile(
                            facts, document, shard_of.get(facts.seeker_id), closed=closed
                        )
                    )
                elif self.engine.version_of(facts.seeker_id) < document["version"]:
                    # Written by the previous owner of the partition after this replica loaded
                    # it: the engine catches up with the store.
                    self._hold(document)
            if not plans:
                return
            failed = await self._write_plans(plans)
            done = [p for p in plans if p not in failed]
            await self._note_alerts(done)
            self._wake(p.facts.seeker_id for p in done if p.entries)
            pending = [p.facts for p in failed]
            must_read.update(f.seeker_id for f in pending)
            if not pending:
                return
        raise ConcurrentUpdateError(", ".join(f.seeker_id for f in pending))

    async def _write_plans(self, plans: list[ProfilePlan]) -> list[ProfilePlan]:
        """Write inserts in bulk and guarded updates side by side; return the plans that lost."""
        failed: list[ProfilePlan] = []
        inserts = [p for p in plans if p.insert is not None]
        if inserts:
            try:
                async with self.locks.hold(p.facts.seeker_id for p in inserts):
                    await self.store.seekers.insert_many(
                        [p.insert for p in inserts if p.insert is not None], ordered=False
                    )
            except BulkWriteError as error:
                lost = {e["index"] for e in error.details.get("writeErrors", [])}
                failed += [p for n, p in enumerate(inserts) if n in lost]
        updates = [p for p in plans if p.update is not None]
        results = await asyncio.gather(
            *(self._update(p.facts.seeker_id, *p.update) for p in updates if p.update is not None)
        )
        failed += [p for p, applied in zip(updates, results, strict=True) if not applied]
        return failed

    async def _closed_among(self, documents: list[Document]) -> set[str]:
        """Offers suggested in these documents that this replica does not hold: the closed ones."""
        unknown = {o for d in documents for o in matches_of(d) if o not in self.engine.offers}
        if not unknown:
            return set()
        query = {"_id": {"$in": sorted(unknown)}, "status": "closed"}
        return {d["_id"] async for d in self.store.offers.find(query, {"_id": 1})}

    def _plan_profile(
        self,
        facts: ProfileUpdated,
        document: Document | None,
        partition: int | None = None,
        closed: set[str] | frozenset[str] = frozenset(),
    ) -> ProfilePlan:
        if partition is None and document is not None:
            partition = document.get("partition")
        seeker = with_feedback(seeker_from_event(facts), feedback_of(document))
        self.engine.upsert(
            seeker,
            rejected=document.get("rejected", []) if document else [],
            alerts=document.get("alerts", 0) if document else 0,
            shard=partition,
        )
        current = matches_of(document)
        proposals: dict[str, Document] = {}
        for offer, scored in self.engine.rank_offers(facts.seeker_id):
            if self._reserve(offer, facts.seeker_id):
                proposals[offer.offer_id] = self._match(offer, scored, seeker)
            if len(proposals) >= self.settings.top_k:
                break
        entries, found = [], []
        for offer_id, match in proposals.items():
            if is_material(current.get(offer_id), match):
                entries.append(self._found(seeker, match))
                found.append(offer_id)
        # An offer suggested by the seeker's previous replica that this one has not read yet stays
        # as it is: this replica ranks the seeker for it when it reads it. A closed one goes
        # (closed while the seeker moved between replicas, nobody withdrew it then).
        unread = {
            o: m for o, m in current.items() if o not in self.engine.offers and o not in closed
        }
        gone = [o for o in current if o not in proposals and o not in unread]
        entries += [
            self._withdrawn(
                facts.seeker_id,
                o,
                WithdrawalReason.OFFER_CLOSED if o in closed else WithdrawalReason.PROFILE_CHANGED,
            )
            for o in gone
        ]
        proposals = {**unread, **proposals}
        state: Document = {
            "facts": facts.model_dump(mode="json"),
            "version": facts.version,
            "counsellor_id": facts.counsellor_id,
            "matches": stored_matches(proposals),
        }
        if partition is not None:
            state["partition"] = partition
        if not self.publish:
            entries = []
        changed = (
            document is None
            or bool(entries)
            or document.get("matches", {}) != state["matches"]
            or document.get("partition") != partition
        )
        if document is None:
            return ProfilePlan(
                facts,
                entries,
                found,
                gone,
                insert={
                    "_id": facts.seeker_id,
                    **state,
                    "feedback": [],
                    "rejected": [],
                    "alerts": len(found),
                    "rev": 1,
                    "outbox": entries,
                },
            )
        update: Document = {"$set": state, "$inc": {"rev": 1, "alerts": len(found)}}
        if entries:
            update["$push"] = {"outbox": {"$each": entries}}
        guard = {"_id": facts.seeker_id, "rev": document["rev"]}
        return ProfilePlan(facts, entries, found, gone, update=(guard, update), changed=changed)

    async def forget_seeker_on_profile_deleted(self, event: Envelope[ProfileDeleted]) -> None:
        seeker_id = event.payload.seeker_id
        # No offer is matched meanwhile: one being matched could otherwise add the seeker to its
        # `alerted` list after the lists below were cleaned, or to the engine after its removal.
        async with self._matching:
            async with self.locks.hold([seeker_id]):
                await self.store.seekers.delete_one({"_id": seeker_id})
            # Offer by offer, under the offer's lock: the profiles' handlers update the same
            # documents meanwhile, and FerretDB loses one of two concurrent updates.
            query = {"$or": [{"alerted": seeker_id}, {"matched": seeker_id}]}
            async for offer in self.store.offers.find(query, {"_id": 1}):
                await self._update_offer(
                    {"_id": offer["_id"]},
                    {"$pullAll": {"alerted": [seeker_id], "matched": [seeker_id]}},
                )
            self.engine.remove(seeker_id)

    # Offers

    async def match_seekers_on_offer_published(self, event: Envelope[OfferPublished]) -> None:
        async with self.matching():
            await self._match_seekers(event)

    async def _match_seekers(self, event: Envelope[OfferPublished]) -> None:
        offer = offer_from_event(event.payload)
        stored = await self.store.offers.find_one({"_id": offer.offer_id})
        # Every replica matches every offer against its own seekers: "matched" by another replica
        # says nothing about this one's, so only a closed or newer offer is skipped. A redelivery
        # ranks again and finds every match already stored: it publishes nothing.
        if stored is not None and (
            stored["status"] == "closed" or stored["version"] > offer.version
        ):
            return
        # In the engine first: a profile handled meanwhile then sees this offer.
        self.engine.add_offer(offer)
        await self._update_offer(
            {"_id": offer.offer_id},
            {
                "$set": {"offer": offer_document(offer), "version": offer.version},
                "$setOnInsert": {"alerted": [], "matched": [], "status": "matching"},
            },
            upsert=True,
        )
        alerted = self.engine.alerted[offer.offer_id]
        alerted.update(stored.get("alerted", []) if stored else [])
        previously = set(stored.get("matched", [])) if stored else set()
        cap = self._cap(offer)
        matched: set[str] = set()
        for candidate in self.engine.rank_seekers(offer):
            if len(matched) >= cap:
                break
            before = candidate.seeker_id in alerted
            if not self._reserve(offer, candidate.seeker_id):
                continue
            if await self._offer_to_seeker(candidate.seeker_id, offer, candidate.scored):
                matched.add(candidate.seeker_id)
            elif not before:
                alerted.discard(candidate.seeker_id)
        # Other replicas' seekers are theirs to withdraw: only this one's leave `matched` here.
        withdrawn = sorted(s for s in previously - matched if s in self.engine.slot_of)
        for seeker_id in withdrawn:
            await self._offer_to_seeker(seeker_id, offer, None, WithdrawalReason.OFFER_CHANGED)
        if withdrawn:
            await self._update_offer({"_id": offer.offer_id}, {"$pullAll": {"matched": withdrawn}})
        await self._update_offer(
            {"_id": offer.offer_id},
            {
                "$set": {"status": "matched"},
                "$addToSet": {
                    "alerted": {"$each": sorted(matched)},
                    "matched": {"$each": sorted(matched)},
                },
            },
        )

    async def withdraw_matches_on_offer_closed(self, event: Envelope[OfferClosed]) -> None:
        async with self.matching():
            await self._withdraw_matches(event)

    async def _withdraw_matches(self, event: Envelope[OfferClosed]) -> None:
        offer_id = event.payload.offer_id
        stored = await self.store.offers.find_one({"_id": offer_id})
        self.engine.remove_offer(offer_id)
        if stored is None:
            with contextlib.suppress(DuplicateKeyError):  # another replica wrote it first
                await self._insert_offer(
                    {
                        "_id": offer_id,
                        "status": "closed",
                        "version": 0,
                        "alerted": [],
                        "matched": [],
                    }
                )
            return
        # Each replica withdraws its own seekers' matches; a seeker moving between replicas
        # meanwhile is withdrawn by its new owner's re-match (the offer is gone from its engine).
        owned = [s for s in stored.get("matched", []) if s in self.engine.slot_of]
        if stored["status"] == "closed" and not owned:
            return
        offer = offer_of(stored) if "offer" in stored else None
        if stored["status"] != "closed":
            await self._update_offer({"_id": offer_id}, {"$set": {"status": "closed"}})
        for seeker_id in owned:
            if offer is not None:
                await self._offer_to_seeker(seeker_id, offer, None, WithdrawalReason.OFFER_CLOSED)
        if owned:
            await self._update_offer({"_id": offer_id}, {"$pullAll": {"matched": owned}})

    # Feedback

    async def record_feedback(
        self, seeker_id: str, offer_id: str, reason: FeedbackReason
    ) -> FeedbackRecorded:
        for _ in range(ATTEMPTS):
            document = await self.store.seekers.find_one({"_id": seeker_id})
            if document is None:
                raise UnknownError(f"No seeker with id {seeker_id!r} here.")
            offer = self.engine.offers.get(offer_id)
            if offer is None:
                stored = await self.store.offers.find_one({"_id": offer_id})
                if stored is None or "offer" not in stored:
                    raise UnknownError(f"No offer with id {offer_id!r} here.")
                offer = offer_of(stored)
            facts = facts_of(document)
            distance = float(
                haversine_km(
                    facts.place.latitude,
                    facts.place.longitude,
                    _array(offer.latitude),
                    _array(offer.longitude),
                )[0]
            )
            now = datetime.now(UTC)
            said = {
                "offer_id": offer_id,
                "reason": reason.value,
                "rome_code": offer.rome_code,
                "contract_type": offer.contract_type,
                "distance_km": round(distance, 1),
                "salary_eur": offer.salary_max
                if offer.salary_max is not None
                else offer.salary_min,
                "recorded_at": now,
            }
            recorded = FeedbackRecorded(
                seeker_id=seeker_id,
                offer_id=offer_id,
                reason=reason,
                counsellor_id=facts.counsellor_id,
                recorded_at=now,
            )
            matches = matches_of(document)
            entries = [outbox_entry(new_envelope(recorded, producer=PRODUCER), FEEDBACK_RECORDED)]
            if matches.pop(offer_id, None) is not None:
                entries.append(
                    self._withdrawn(seeker_id, offer_id, WithdrawalReason.SEEKER_FEEDBACK)
                )
            applied = await self._update(
                seeker_id,
                {"_id": seeker_id, "rev": document["rev"]},
                {
                    "$set": {"matches": stored_matches(matches)},
                    "$inc": {"rev": 1},
                    "$push": {"feedback": said, "outbox": {"$each": entries}},
                    "$addToSet": {"rejected": offer_id},
                },
            )
            if applied:
                if seeker_id in self.engine.slot_of:  # else another replica holds them
                    feedback = [*feedback_of(document), _feedback(said)]
                    seeker = with_feedback(seeker_from_event(facts), feedback)
                    self.engine.upsert(seeker, rejected=[offer_id])
                await self._update_offer({"_id": offer_id}, {"$pullAll": {"matched": [seeker_id]}})
                self._wake([seeker_id])
                return recorded
        raise ConcurrentUpdateError(seeker_id)

    # Reading

    async def recommendations(self, seeker_id: str) -> list[Document] | None:
        document = await self.store.seekers.find_one({"_id": seeker_id}, {"matches": 1})
        if document is None:
            return None
        matches = matches_of(document)
        return sorted(matches.values(), key=lambda m: (-m["score"], m["offer_id"]))

    async def matches_of_offer(self, offer_id: str) -> list[Document] | None:
        stored = await self.store.offers.find_one({"_id": offer_id})
        if stored is None:
            return None
        found = []
        async for document in self.store.seekers.find(
            {"_id": {"$in": stored.get("matched", [])}}, {"matches": 1}
        ):
            match = matches_of(document).get(offer_id)
            if match is not None:
                found.append({**match, "seeker_id": document["_id"]})
        return sorted(found, key=lambda m: (-m["score"], m["seeker_id"]))

    async def feedback(self, seeker_id: str) -> list[Document] | None:
        document = await self.store.seekers.find_one({"_id": seeker_id}, {"feedback": 1})
        return None if document is None else list(document.get("feedback", []))

    def stats(self) -> Document:
        slots = self.engine.all_slots()
        per_seeker = Counter(int(a) for a in self.engine.alerts[slots])
        per_offer = Counter(len(self.engine.alerted.get(o, ())) for o in self.engine.offers)
        return {
            "seekers": len(self.engine),
            "open_offers": len(self.engine.offers),
            "alerts_total": int(self.engine.alerts[slots].sum()),
            "alerts_per_seeker": {str(k): v for k, v in sorted(per_seeker.items())},
            "alerts_per_offer": {str(k): v for k, v in sorted(per_offer.items())},
        }

    # Writing one seeker's suggestions

    async def _offer_to_seeker(
        self,
        seeker_id: str,
        offer: Offer,
        scored: Scored | None,
        reason: WithdrawalReason = WithdrawalReason.OFFER_CHANGED,
    ) -> bool:
        """Put the offer in (or take it out of) the seeker's top K; True when it is in."""
        slot = self.engine.slot_of.get(seeker_id)
        for attempt in range(ATTEMPTS):
            if slot is None or self.engine.slot_of.get(seeker_id) != slot:
                return False
            document = await self.store.seekers.find_one({"_id": seeker_id})
            if document is None:
                if attempt == ATTEMPTS - 1:
                    return False
                # Known to the engine, not stored yet: its profile is being written right now.
                await asyncio.sleep(0.05)
                continue
            matches = matches_of(document)
            old = matches.get(offer.offer_id)

            entries: list[Document] = []
            alerts = 0
            if scored is not None and offer.offer_id in document.get("rejected", ()):
                return False  # turned down through another replica, which told only the store
            if scored is None:
                if old is None:
                    return False
                del matches[offer.offer_id]
                entries.append(self._withdrawn(seeker_id, offer.offer_id, reason))
                kept = False
            else:
                seeker = self.engine.seeker(slot)
                match = self._match(offer, scored, seeker)
                matches[offer.offer_id] = match
                matches = keep_best(matches, self.settings.top_k)
                kept = offer.offer_id in matches
                if kept and is_material(old, match):
                    entries.append(self._found(seeker, match))
                    alerts = 1
                elif not kept and old is not None:
                    entries.append(self._withdrawn(seeker_id, offer.offer_id, reason))
                elif not kept or old == match:
                    return kept
            if await self._save(
                seeker_id, document, {"matches": stored_matches(matches)}, entries, alerts
            ):
                if alerts:
                    self.engine.alerts[slot] += 1
                    self.engine.alerted[offer.offer_id].add(seeker_id)
                return kept
        raise ConcurrentUpdateError(seeker_id)

    async def _save(
        self,
        seeker_id: str,
        document: Document | None,
        state: Document,
        entries: list[Document],
        alerts: int,
    ) -> bool:
        if document is None:
            try:
                async with self.locks.hold([seeker_id]):
                    await self.store.seekers.insert_one(
                        {
                            "_id": seeker_id,
                            **state,
                            "feedback": [],
                            "rejected": [],
                            "alerts": alerts,
                            "rev": 1,
                            "outbox": entries,
                        }
                    )
            except DuplicateKeyError:
                return False
        else:
            update: Document = {"$set": state, "$inc": {"rev": 1, "alerts": alerts}}
            if entries:
                update["$push"] = {"outbox": {"$each": entries}}
            if not await self._update(
                seeker_id, {"_id": seeker_id, "rev": document["rev"]}, update
            ):
                return False
        if entries:
            self._wake([seeker_id])
        return True

    async def _update_offer(self, guard: Document, update: Document, upsert: bool = False) -> None:
        async with self.offer_locks.hold([guard["_id"]]):
            await self.store.offers.update_one(guard, update, upsert=upsert)

    async def _insert_offer(self, document: Document) -> None:
        async with self.offer_locks.hold([document["_id"]]):
            await self.store.offers.insert_one(document)

    async def _update(self, seeker_id: str, guard: Document, update: Document) -> bool:
        """Apply a guarded update of a seeker's document; False when the guard no longer holds."""
        async with self.locks.hold([seeker_id]):
            if self.store.checks_in_process:
                # FerretDB serves only a filter on `_id` alone from its index (any other reads
                # every document) and does not isolate the update from its filter anyway: the
                # guard is checked here, under the lock every write of this document holds.
                conditions = {k: v for k, v in guard.items() if k != "_id"}
                current = await self.store.seekers.find_one(
                    {"_id": seeker_id}, dict.fromkeys(conditions, 1)
                )
                if current is None or any(current.get(k) != v for k, v in conditions.items()):
                    return False
                guard = {"_id": seeker_id}
            result: UpdateResult = await self.store.seekers.update_one(guard, update)
            return result.matched_count == 1

    async def _note_alerts(self, plans: list[ProfilePlan]) -> None:
        added: dict[str, list[str]] = defaultdict(list)
        removed: dict[str, list[str]] = defaultdict(list)
        for plan in plans:
            seeker_id = plan.facts.seeker_id
            slot = self.engine.slot_of.get(seeker_id)
            if slot is not None:
                self.engine.alerts[slot] += len(plan.found)
            for offer_id in plan.found:
                self.engine.alerted[offer_id].add(seeker_id)
                added[offer_id].append(seeker_id)
            for offer_id in plan.gone:
                removed[offer_id].append(seeker_id)
        writes = [
            UpdateOne(
                {"_id": offer_id},
                {"$addToSet": {"alerted": {"$each": ids}, "matched": {"$each": ids}}},
            )
            for offer_id, ids in added.items()
        ] + [
            UpdateOne({"_id": offer_id}, {"$pullAll": {"matched": ids}})
            for offer_id, ids in removed.items()
        ]
        if writes:
            async with self.offer_locks.hold([*added, *removed]):
                # Small commands: FerretDB never answers a bulk write of about 100 updates.
                for _, command in in_commands(writes):
                    await self.store.offers.bulk_write(list(command), ordered=False)

    def _cap(self, offer: Offer) -> int:
        return alert_cap(
            offer.positions, self.settings.alerts_per_position, self.settings.max_alerts_per_offer
        )

    def _reserve(self, offer: Offer, seeker_id: str) -> bool:
        """Take one of the offer's alert places for the seeker, if one is left.

        Taken before any await: the handlers of profiles and of offers run concurrently, and a
        check followed by a write later would let both fill the last place.
        """
        alerted = self.engine.alerted[offer.offer_id]
        if seeker_id in alerted:
            return True
        if len(alerted) >= self._cap(offer):
            return False
        alerted.add(seeker_id)
        return True

    def _match(self, offer: Offer, scored: Scored, seeker: Seeker) -> Document:
        return {
            "offer_id": offer.offer_id,
            "offer_version": offer.version,
            "profile_version": seeker.version,
            "score": scored.score,
            "reasons": [r.model_dump() for r in scored.reasons],
            "missing": [r.model_dump() for r in scored.missing],
            "offer_title": offer.title,
            "rome_code": offer.rome_code,
            "distance_km": scored.distance_km,
        }

    def _found(self, seeker: Seeker, match: Document) -> Document:

        payload = MatchFound(
            seeker_id=seeker.seeker_id,
            counsellor_id=seeker.counsellor_id,
            needs_review=seeker.needs_review,
            via_counsellor=seeker.via_counsellor,
            strong=match["score"] >= self.settings.strong_score,
            **match,
        )
        MATCHES.labels("found", "strong" if payload.strong else "normal").inc()
        return outbox_entry(new_envelope(payload, producer=PRODUCER), MATCH_FOUND)

    @staticmethod
    def _withdrawn(seeker_id: str, offer_id: str, reason: WithdrawalReason) -> Document:
        payload = MatchWithdrawn(seeker_id=seeker_id, offer_id=offer_id, reason=reason)
        MATCHES.labels("withdrawn", reason.value).inc()
        return outbox_entry(new_envelope(payload, producer=PRODUCER), MATCH_WITHDRAWN)

    def _wake(self, seeker_ids: Iterable[str]) -> None:
        """Tell the outbox relay which documents have new events (it reads them by _id)."""
        ids = list(seeker_ids)
        if ids:
            for wake in self.on_published:
                wake(ids)


def _feedback(said: Document) -> Feedback:
    return feedback_of({"feedback": [said]})[0]


def _array(value: float) -> Any:
    import numpy as np

    return np.array([value])
