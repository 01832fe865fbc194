"""The recommender's two aggregates in the store, through the data layer (`servicekit.data`).

A seeker's document holds their facts, their top K, their feedback and their outbox: a change of
suggestions and the events telling about it are ONE update, applied only on top of the revision
it was computed from (`rev`). An offer's document holds its facts and who it alerted. Lookups go
by `_id`; the few scans (start, assignment, erasure sweep) are named as such.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from contracts import ProfileUpdated
from contracts.vocabulary import FeedbackReason
from recommender.domain.feedback import Feedback
from recommender.domain.matches import escape_key, unescape_key
from recommender.domain.model import Offer
from servicekit.data import Database, Documents, Update

Document = dict[str, Any]
CLOSED = "closed"


@dataclass(frozen=True)
class SeekerWrite:
    """One seeker's new state and events; `rev` None for a seeker not stored yet."""

    seeker_id: str
    rev: int | None
    state: Document
    entries: list[Document] = field(default_factory=list)
    alerts: int = 0
    feedback: Document | None = None
    rejected: str | None = None


class SeekerRepository:
    def __init__(self, database: Database) -> None:
        # The outbox relay takes this same `Documents`: its removals take turns with our writes.
        self.documents: Documents = database.documents("seekers")

    async def prepare(self) -> None:
        # A replica loads the seekers of the partitions it is assigned.
        await self.documents.raw.create_index("partition")

    async def get(self, seeker_id: str, fields: Iterable[str] = ()) -> Document | None:
        return await self.documents.get(seeker_id, _projection(fields))

    async def get_many(self, seeker_ids: Iterable[str]) -> dict[str, Document]:
        return await self.documents.get_many(seeker_ids, {"outbox": 0})

    async def of_partitions(self, partitions: Iterable[int]) -> AsyncIterator[Document]:
        """Every stored seeker of these partitions (a scan: at assignment only)."""
        query = {"partition": {"$in": sorted(partitions)}}
        async for document in self.documents.raw.find(query, {"outbox": 0}):
            yield document

    async def save(self, writes: Sequence[SeekerWrite]) -> set[str]:
        """Insert the new seekers and update the others on top of their `rev`, all in bulk;
        return the ids written (the others changed meanwhile, or were inserted by another)."""
        inserts = [_new_document(w) for w in writes if w.rev is None]
        written: set[str] = await self.documents.insert_new(inserts) if inserts else set()
        updates = [
            Update(w.seeker_id, _change(w), where={"rev": w.rev})
            for w in writes
            if w.rev is not None
        ]
        if updates:
            written |= await self.documents.update_each(updates)
        return written

    async def delete(self, seeker_ids: Sequence[str]) -> None:
        await self.documents.delete(seeker_ids)

    def every(self, fields: Iterable[str]) -> AsyncIterator[Document]:
        """Every seeker (a scan: for the rebuild's summary)."""
        return aiter(self.documents.raw.find({}, _projection(fields)))


class OfferRepository:
    def __init__(self, database: Database) -> None:
        self.documents: Documents = database.documents("offers")
        # Pending erasures: seekers to take out of every offer's lists (see erasure.py).
        self.erasures: Documents = database.documents("erasures")

    async def prepare(self) -> None:
        await self.documents.raw.create_index("status")
        await self.documents.raw.create_index("alerted")

    async def open_offers(self) -> AsyncIterator[Document]:
        """Every open offer with its facts (a scan: at start only)."""
        async for document in self.documents.raw.find({"status": {"$ne": CLOSED}}):
            if "offer" in document:
                yield document

    async def get(self, offer_id: str) -> Document | None:
        return await self.documents.get(offer_id)

    async def get_many(self, offer_ids: Iterable[str]) -> dict[str, Document]:
        return await self.documents.get_many(offer_ids)

    async def closed_among(self, offer_ids: Iterable[str]) -> set[str]:
        found = await self.documents.get_many(offer_ids, {"status": 1})
        return {i for i, d in found.items() if d.get("status") == CLOSED}

    async def register(self, offers: Sequence[Offer]) -> None:
        """Store the offers' facts (new offers start with nobody alerted)."""
        await self.documents.update_each(
            [
                Update(
                    offer.offer_id,
                    {
                        "$set": {"offer": asdict(offer), "version": offer.version},
                        "$setOnInsert": {"alerted": [], "matched": [], "status": "matching"},
                    },
                    upsert=True,
                )
                for offer in offers
            ]
        )

    async def settle(self, matched: dict[str, set[str]], unmatched: dict[str, list[str]]) -> None:
        """The offers' matching is done: who it is matched with now, who no longer."""
        await self.note(removed=unmatched)
        await self.documents.update_each(
            [
                Update(
                    offer_id,
                    {
                        "$set": {"status": "matched"},
                        "$addToSet": {
                            "alerted": {"$each": sorted(ids)},
                            "matched": {"$each": sorted(ids)},
                        },
                    },
                )
                for offer_id, ids in matched.items()
            ]
        )

    async def note(
        self, added: dict[str, list[str]] | None = None, removed: dict[str, list[str]] | None = None
    ) -> None:
        """Seekers newly alerted of (and matched with) offers, and seekers no longer matched."""
        updates = [
            Update(o, {"$addToSet": {"alerted": {"$each": ids}, "matched": {"$each": ids}}})
            for o, ids in (added or {}).items()
            if ids
        ] + [Update(o, {"$pullAll": {"matched": ids}}) for o, ids in (removed or {}).items() if ids]
        if updates:
            await self.documents.update_each(updates)

    async def close(self, stored: dict[str, Document], offer_ids: Sequence[str]) -> None:
        """Mark these offers closed; an offer never seen is stored closed."""
        unknown = [i for i in offer_ids if i not in stored]
        if unknown:
            await self.documents.insert_new(
                [
                    {"_id": i, "status": CLOSED, "version": 0, "alerted": [], "matched": []}
                    for i in unknown
                ]
            )
        await self.documents.update_each(
            [
                Update(i, {"$set": {"status": CLOSED}})
                for i in offer_ids
                if i in stored and stored[i]["status"] != CLOSED
            ]
        )

    # Erasures

    async def note_erased(self, seeker_ids: Sequence[str]) -> None:
        await self.erasures.insert_new([{"_id": i} for i in seeker_ids])

    async def erased(self, limit: int) -> list[str]:
        """Seekers erased whose traces in the offers may remain (a small collection)."""
        return [d["_id"] async for d in self.erasures.raw.find({}, {"_id": 1}).limit(limit)]

    async def forget_seekers(self, seeker_ids: Sequence[str]) -> None:
        """Take these seekers out of every offer's lists (a scan of the offers)."""
        if not seeker_ids:
            return
        query = {"$or": [{"alerted": {"$in": seeker_ids}}, {"matched": {"$in": seeker_ids}}]}
        listing = [d["_id"] async for d in self.documents.raw.find(query, {"_id": 1})]
        gone = {"$pullAll": {"alerted": list(seeker_ids), "matched": list(seeker_ids)}}
        await self.documents.update_each([Update(o, gone) for o in listing])

    async def forget_erasures(self, seeker_ids: Sequence[str]) -> None:
        await self.erasures.delete(seeker_ids)


async def open_repositories(
    database: Database, indexes: bool = True
) -> tuple[SeekerRepository, OfferRepository]:
    seekers, offers = SeekerRepository(database), OfferRepository(database)
    if indexes:  # else built by `python -m recommender.indexes` (a Job, on Kubernetes)
        await seekers.prepare()
        await offers.prepare()
    return seekers, offers


def _projection(fields: Iterable[str]) -> Document | None:
    return dict.fromkeys(fields, 1) or None


def _new_document(write: SeekerWrite) -> Document:
    return {
        "_id": write.seeker_id,
        **write.state,
        "feedback": [write.feedback] if write.feedback else [],
        "rejected": [write.rejected] if write.rejected else [],
        "alerts": write.alerts,
        "rev": 1,
        "outbox": write.entries,
    }


def _change(write: SeekerWrite) -> Document:
    change: Document = {"$set": write.state, "$inc": {"rev": 1, "alerts": write.alerts}}
    if write.entries:
        change["$push"] = {"outbox": {"$each": write.entries}}
    if write.feedback is not None:
        change.setdefault("$push", {})["feedback"] = write.feedback
    if write.rejected is not None:
        change["$addToSet"] = {"rejected": write.rejected}
    return change


# The documents' parts, as the domain knows them


def offer_of(document: Document) -> Offer:
    facts = dict(document["offer"])
    for name in ("required_skills", "wished_skills", "languages", "licences"):
        facts[name] = tuple(facts[name])
    return Offer(**facts)


def feedback_of(document: Document | None) -> list[Feedback]:
    if document is None:
        return []
    return [
        Feedback(
            offer_id=f["offer_id"],
            reason=FeedbackReason(f["reason"]),
            rome_code=f["rome_code"],
            contract_type=f["contract_type"],
            distance_km=float(f["distance_km"]),
            salary_eur=f.get("salary_eur"),
        )
        for f in document.get("feedback", [])
    ]


def facts_of(document: Document) -> ProfileUpdated:
    return ProfileUpdated.model_validate(document["facts"])


def matches_of(document: Document | None) -> dict[str, Document]:
    if document is None:
        return {}
    return {unescape_key(key): match for key, match in document.get("matches", {}).items()}


def stored_matches(matches: dict[str, Document]) -> Document:
    return {escape_key(offer_id): match for offer_id, match in matches.items()}
