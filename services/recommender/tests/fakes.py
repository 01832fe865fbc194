"""In-memory repositories: the use cases run on them in unit tests, and they count the writes."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import asdict
from typing import Any, cast

from recommender.config import Settings
from recommender.domain.engine import MatchingEngine
from recommender.domain.model import Offer
from recommender.repositories import (
    CLOSED,
    Document,
    OfferRepository,
    SeekerRepository,
    SeekerWrite,
)
from recommender.service import Recommender


class FakeSeekers:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.writes: Counter[str] = Counter()  # documents written, by seeker
        self.reads = 0  # lookups, of one seeker or many
        # Called before each save: a test writes "concurrently" there.
        self.before_save: Callable[[Sequence[SeekerWrite]], None] = lambda writes: None

    async def get(self, seeker_id: str, fields: Iterable[str] = ()) -> Document | None:
        self.reads += 1
        found = self.documents.get(seeker_id)
        return copy.deepcopy(found) if found is not None else None

    async def get_many(self, seeker_ids: Iterable[str]) -> dict[str, Document]:
        self.reads += 1
        return {i: copy.deepcopy(self.documents[i]) for i in seeker_ids if i in self.documents}

    async def save(self, writes: Sequence[SeekerWrite]) -> set[str]:
        self.before_save(writes)
        written = set()
        for write in writes:
            stored = self.documents.get(write.seeker_id)
            if write.rev is None and stored is None:
                stored = self.documents[write.seeker_id] = {
                    "_id": write.seeker_id,
                    "feedback": [],
                    "rejected": [],
                    "alerts": 0,
                    "rev": 0,
                    "outbox": [],
                }
            elif write.rev is None or stored is None or stored["rev"] != write.rev:
                continue
            stored.update(copy.deepcopy(write.state))
            stored["rev"] += 1
            stored["alerts"] += write.alerts
            stored["outbox"] += write.entries
            if write.feedback is not None:
                stored["feedback"].append(write.feedback)
            if write.rejected is not None and write.rejected not in stored["rejected"]:
                stored["rejected"].append(write.rejected)
            self.writes[write.seeker_id] += 1
            written.add(write.seeker_id)
        return written

    async def delete(self, seeker_ids: Sequence[str]) -> None:
        for seeker_id in seeker_ids:
            self.documents.pop(seeker_id, None)

    def events(self, seeker_id: str) -> list[str]:
        """The event types queued in the seeker's outbox, oldest first."""
        return [e["topic"] for e in self.documents[seeker_id]["outbox"]]


class FakeOffers:
    def __init__(self) -> None:
        self.documents: dict[str, Document] = {}
        self.erasures: set[str] = set()

    async def get(self, offer_id: str) -> Document | None:
        return copy.deepcopy(self.documents.get(offer_id))

    async def get_many(self, offer_ids: Iterable[str]) -> dict[str, Document]:
        return {i: copy.deepcopy(self.documents[i]) for i in offer_ids if i in self.documents}

    async def closed_among(self, offer_ids: Iterable[str]) -> set[str]:
        return {i for i in offer_ids if self.documents.get(i, {}).get("status") == CLOSED}

    async def register(self, offers: Sequence[Offer]) -> None:
        for offer in offers:
            stored = self.documents.setdefault(
                offer.offer_id,
                {"_id": offer.offer_id, "alerted": [], "matched": [], "status": "matching"},
            )
            stored.update({"offer": asdict(offer), "version": offer.version})

    async def settle(self, matched: dict[str, set[str]], unmatched: dict[str, list[str]]) -> None:
        await self.note(removed=unmatched)
        await self.note(added={o: sorted(ids) for o, ids in matched.items()})
        for offer_id in matched:
            self.documents[offer_id]["status"] = "matched"

    async def note(
        self, added: dict[str, list[str]] | None = None, removed: dict[str, list[str]] | None = None
    ) -> None:
        for offer_id, ids in (added or {}).items():
            stored = self.documents.get(offer_id)
            if stored is not None:
                for name in ("alerted", "matched"):
                    stored[name] += [i for i in ids if i not in stored[name]]
        for offer_id, ids in (removed or {}).items():
            if offer_id in self.documents:
                matched = self.documents[offer_id]["matched"]
                self.documents[offer_id]["matched"] = [i for i in matched if i not in ids]

    async def close(self, stored: dict[str, Document], offer_ids: Sequence[str]) -> None:
        for offer_id in offer_ids:
            self.documents.setdefault(
                offer_id, {"_id": offer_id, "version": 0, "alerted": [], "matched": []}
            )["status"] = CLOSED

    async def note_erased(self, seeker_ids: Sequence[str]) -> None:
        self.erasures.update(seeker_ids)

    async def erased(self, limit: int) -> list[str]:
        return sorted(self.erasures)[:limit]

    async def forget_seekers(self, seeker_ids: Sequence[str]) -> None:
        for stored in self.documents.values():
            for name in ("alerted", "matched"):
                stored[name] = [i for i in stored[name] if i not in seeker_ids]
        self.erasures -= set(seeker_ids)

    async def open_offers(self) -> AsyncIterator[Document]:
        for document in list(self.documents.values()):
            if document.get("status") != CLOSED and "offer" in document:
                yield document


def recommender_on_fakes(engine: MatchingEngine, **settings: Any) -> Recommender:
    recommender = Recommender(
        cast(SeekerRepository, FakeSeekers()),
        cast(OfferRepository, FakeOffers()),
        engine,
        Settings(**settings),
    )
    recommender.resume_serving()
    return recommender


def seekers_of(recommender: Recommender) -> FakeSeekers:
    return cast(FakeSeekers, recommender.seekers)


def offers_of(recommender: Recommender) -> FakeOffers:
    return cast(FakeOffers, recommender.offers)
