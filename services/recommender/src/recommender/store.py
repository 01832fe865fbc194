"""The recommender's own read models: one document per seeker (facts, top K, feedback, outbox)
and one per offer (facts, who was alerted). Both are rebuilt into the matching engine at start."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from contracts import ProfileUpdated
from contracts.vocabulary import FeedbackReason
from recommender.domain.feedback import Feedback
from recommender.domain.matches import escape_key, unescape_key
from recommender.domain.model import Offer
from servicekit.mongo import is_ferretdb

Document = dict[str, Any]


class RecommenderStore:
    def __init__(self, database: AsyncDatabase[Document]) -> None:
        self.seekers: AsyncCollection[Document] = database["seekers"]
        self.offers: AsyncCollection[Document] = database["offers"]
        # On FerretDB, writes filter on `_id` alone and their other conditions are checked in
        # the process (servicekit.mongo.is_ferretdb says why).
        self.checks_in_process = False

    async def prepare(self, indexes: bool = True) -> None:
        self.checks_in_process = await is_ferretdb(self.seekers.database)
        if indexes:
            await self.ensure_indexes()

    async def ensure_indexes(self) -> None:
        await self.offers.create_index("status")
        await self.offers.create_index("alerted")
        # A replica loads the seekers of the partitions it is assigned.
        await self.seekers.create_index("partition")


class OwnedSeekers:
    """The seekers collection as this replica's outbox relay sees it: only the documents of the
    partitions this replica holds. With `Recommender.stop_serving`, two
    replicas never write one seeker's document at the same time (FerretDB 1.24 loses one of two
    concurrent updates of a document; MongoDB does not)."""

    def __init__(self, seekers: AsyncCollection[Document], owned: Callable[[], set[int]]) -> None:
        self.seekers = seekers
        self.owned = owned

    def _owned(self, query: Document) -> Document:
        return {**query, "partition": {"$in": sorted(self.owned())}}

    def find(self, query: Document, *args: Any, **kwargs: Any) -> Any:
        return self.seekers.find(self._owned(query), *args, **kwargs)

    async def find_one(
        self, query: Document, projection: Document | None = None, **kwargs: Any
    ) -> Document | None:
        if set(query) != {"_id"}:
            return await self.seekers.find_one(self._owned(query), projection, **kwargs)
        # By `_id` alone, the lookup every store serves from its primary index (FerretDB reads
        # every document for any other filter); the partition is checked here.
        if projection and all(projection.values()):
            projection = {**projection, "partition": 1}
        document = await self.seekers.find_one(query, projection, **kwargs)
        if document is None or document.get("partition") not in self.owned():
            return None
        return document

    def __getattr__(self, name: str) -> Any:
        return getattr(self.seekers, name)


def offer_document(offer: Offer) -> Document:
    return asdict(offer)


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
