"""The recommender's own read models: one document per seeker (facts, top K, feedback, outbox)
and one per offer (facts, who was alerted). Both are rebuilt into the matching engine at start."""

from __future__ import annotations

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

    async def prepare(self) -> None:
        self.checks_in_process = await is_ferretdb(self.seekers.database)
        await self.offers.create_index("status")
        await self.offers.create_index("alerted")
        # A replica loads the seekers of the partitions it is assigned.
        await self.seekers.create_index("partition")


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
