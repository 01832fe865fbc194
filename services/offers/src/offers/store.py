"""Offers in MongoDB: one document per offer, its outbox inside (one atomic write for both).

Writes find their document by `_id` and are conditional on what they read (version, status):
optimistic concurrency through the data layer (`servicekit.data`), which knows what the store
isolates. An import inserts its new offers in one round trip (an insert with a new `_id` is
atomic and fast) and reads only the ids that exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from contracts import OFFER_CLOSED, OFFER_PUBLISHED, OfferClosed, new_envelope
from contracts.offers import OfferStatus as Status
from contracts.vocabulary import ClosureReason
from offers.domain.offer import Offer, content_hash, fingerprint, published_payload
from servicekit.compound_indexes import Keys, ensure_indexes
from servicekit.data import ConcurrentUpdateError, Database, Update
from servicekit.import_tally import ImportTally
from servicekit.outbox import OUTBOX_FIELD, outbox_entry

PRODUCER = "offers"
KM_PER_DEGREE = 111.2
# Enough to read every field a view needs, never the outbox.
VIEW = {"offer": 1, "version": 1, "status": 1, "closed_reason": 1, "closed_at": 1}
STATE = {
    "version": 1,
    "fingerprint": 1,
    "content_hash": 1,
    "status": 1,
    "employer_id": 1,
    "offer.created_at": 1,
}


APPLICATION_EMAIL = "application_email"


class OfferExistsError(Exception):
    """Another offer (other facts, or another owner) already has this id."""


@dataclass(frozen=True)
class StoredOffer:
    offer: Offer
    version: int
    status: Status
    closed_reason: ClosureReason | None = None
    closed_at: datetime | None = None
    distance_km: float | None = None


@dataclass(frozen=True)
class Saved:
    stored: StoredOffer
    created: bool
    published: bool


@dataclass
class Rejection:
    index: int
    id: str | None
    field: str
    reason: str


@dataclass
class ImportReport(ImportTally[Rejection]):
    # Offers that queued an event, for the outbox relay.
    queued: list[str] = field(default_factory=list)


def published_entry(offer: Offer, version: int) -> tuple[dict[str, Any], str]:
    """The outbox entry of `offer-published`, and the fingerprint of the facts it carries."""
    payload = published_payload(offer, version)
    entry = outbox_entry(new_envelope(payload, producer=PRODUCER), OFFER_PUBLISHED)
    return entry, fingerprint(payload)


def closed_entry(offer_id: str, reason: ClosureReason, closed_at: datetime) -> dict[str, Any]:
    payload = OfferClosed(offer_id=offer_id, reason=reason, closed_at=closed_at)
    return outbox_entry(new_envelope(payload, producer=PRODUCER), OFFER_CLOSED)


def _closing(offer_id: str, reason: ClosureReason, closed_at: datetime) -> dict[str, Any]:
    """The update that closes an offer, `offer-closed` queued in its outbox."""
    return {
        "$set": {
            "status": Status.CLOSED.value,
            "closed_reason": reason.value,
            "closed_at": closed_at,
        },
        "$push": {OUTBOX_FIELD: closed_entry(offer_id, reason, closed_at)},
    }


def _state(offer: Offer) -> dict[str, Any]:
    """The stored offer and the copies of its fields that queries filter on."""
    return {
        "offer": offer.model_dump(mode="json"),
        "content_hash": content_hash(offer),
        "employer_id": offer.employer_id,
        "rome_code": offer.rome_code,
        "contract_type": offer.contract_type.value,
        "latitude": offer.place.latitude,
        "longitude": offer.place.longitude,
        "published_at": offer.created_at,
        "updated_at": offer.updated_at,
        "valid_until": offer.valid_until,
    }


def _new_document(offer: Offer, application_email: str | None = None) -> dict[str, Any]:
    entry, new_fingerprint = published_entry(offer, 1)
    return {
        "_id": offer.id,
        **_state(offer),
        # Beside the offer, never inside it: views and events are made of `offer` alone.
        APPLICATION_EMAIL: application_email,
        "status": Status.OPEN.value,
        "version": 1,
        "fingerprint": new_fingerprint,
        OUTBOX_FIELD: [entry],
    }


def _stored(document: dict[str, Any], distance: float | None = None) -> StoredOffer:
    reason = document.get("closed_reason")
    return StoredOffer(
        offer=Offer.model_validate(document["offer"]),
        version=document["version"],
        status=Status(document["status"]),
        closed_reason=ClosureReason(reason) if reason else None,
        closed_at=document.get("closed_at"),
        distance_km=distance,
    )


INDEXES: list[Keys] = [
    [("status", ASCENDING), ("valid_until", ASCENDING)],
    [("status", ASCENDING), ("rome_code", ASCENDING)],
    [("status", ASCENDING), ("published_at", DESCENDING)],
]


class OfferStore:
    def __init__(self, database: Database) -> None:
        self.offers = database.documents("offers")

    async def create_indexes(self) -> None:
        await ensure_indexes(self.offers, INDEXES)

    async def get(self, offer_id: str) -> StoredOffer | None:
        document = await self.offers.get(offer_id, VIEW)
        return None if document is None else _stored(document)

    async def application_email(self, offer_id: str) -> str | None:
        """The address the employer gave for applications to the offer, if any."""
        found = await self.offers.get(offer_id, {APPLICATION_EMAIL: 1})
        return None if found is None else found.get(APPLICATION_EMAIL)

    async def publish(self, offer: Offer, application_email: str | None = None) -> Saved:
        """Store a new offer with `offer-published` v1; the same offer again changes nothing
        (but the address for applications, when one is given)."""
        for _ in range(10):
            if await self.offers.insert(_new_document(offer, application_email)):
                return Saved(StoredOffer(offer, 1, Status.OPEN), created=True, published=True)
            current = await self.offers.get(offer.id, {**VIEW, **STATE})
            if current is None:
                continue  # erased in between: try again
            _, new_fingerprint = published_entry(offer, current["version"])
            same_owner = current.get("employer_id") == offer.employer_id
            if not same_owner or current["fingerprint"] != new_fingerprint:
                raise OfferExistsError(offer.id)
            if application_email is not None:
                await self.offers.update(offer.id, {"$set": {APPLICATION_EMAIL: application_email}})
            return Saved(_stored(current), created=False, published=False)
        raise ConcurrentUpdateError(offer.id)

    async def replace(
        self, offer: Offer, expected_version: int, application_email: str | None = None
    ) -> Saved:
        """Store new facts of an open offer (and the address for applications); a material
        change publishes the next version."""
        current = await self.offers.get(offer.id, {"fingerprint": 1, "version": 1, "status": 1})
        if (
            current is None
            or current["version"] != expected_version
            or current["status"] != Status.OPEN.value
        ):
            raise ConcurrentUpdateError(offer.id)
        entry, new_fingerprint = published_entry(offer, expected_version + 1)
        update: dict[str, Any]
        state = {**_state(offer), APPLICATION_EMAIL: application_email}
        if new_fingerprint == current["fingerprint"]:
            version, published = expected_version, False
            update = {"$set": state}
        else:
            version, published = expected_version + 1, True
            update = {
                "$set": {**state, "version": version, "fingerprint": new_fingerprint},
                "$push": {OUTBOX_FIELD: entry},
            }
        where = {"version": expected_version, "status": Status.OPEN.value}
        if not await self.offers.update(offer.id, update, where=where):
            raise ConcurrentUpdateError(offer.id)
        stored = StoredOffer(offer, version, Status.OPEN)
        return Saved(stored, created=False, published=published)

    async def close(self, offer_id: str, reason: ClosureReason, now: datetime) -> Saved | None:
        """Close an open offer with `offer-closed`; closing it again changes nothing."""
        closed = await self.offers.update(
            offer_id, _closing(offer_id, reason, now), where={"status": Status.OPEN.value}
        )
        current_offer = await self.get(offer_id)
        if current_offer is None:
            return None
        return Saved(current_offer, created=False, published=closed)

    async def import_offers(self, offers: list[tuple[int, Offer]]) -> ImportReport:
        """Insert new offers, update changed ones, leave identical ones alone: in bulk.

        `offers` pairs each offer with its index in the caller's batch, for the report.
        """
        report = ImportReport()
        last_of: dict[str, int] = {}
        for position, (_, offer) in enumerate(offers):
            last_of[offer.id] = position
        batch: list[tuple[int, Offer]] = []
        for position, (index, offer) in enumerate(offers):
            if last_of[offer.id] != position:
                reason = f"the same id comes again at index {offers[last_of[offer.id]][0]}"
                report.rejected.append(Rejection(index, offer.id, "id", reason))
            else:
                batch.append((index, offer))
        for _ in range(5):
            batch = await self._import_once(batch, report)
            if not batch:
                break
        for index, offer in batch:
            report.rejected.append(
                Rejection(index, offer.id, "id", "changed concurrently; import it again")
            )
        report.rejected.sort(key=lambda rejection: rejection.index)
        return report

    async def _import_once(
        self, batch: list[tuple[int, Offer]], report: ImportReport
    ) -> list[tuple[int, Offer]]:
        """One pass over `batch`; returns what a concurrent writer got in the way of."""
        known = await self._insert_new(batch, report)
        if not known:
            return []
        return await self._update_known(known, report)

    async def _insert_new(
        self, batch: list[tuple[int, Offer]], report: ImportReport
    ) -> list[tuple[int, Offer]]:
        """Insert every offer as new; return those whose id exists already."""
        if not batch:
            return []
        inserted = await self.offers.insert_new([_new_document(o) for _, o in batch])
        for _, offer in batch:
            if offer.id in inserted:
                report.accepted += 1
                report.queued.append(offer.id)
        return [(index, offer) for index, offer in batch if offer.id not in inserted]

    async def _update_known(
        self, batch: list[tuple[int, Offer]], report: ImportReport
    ) -> list[tuple[int, Offer]]:
        existing = await self.offers.get_many([offer.id for _, offer in batch], STATE)
        operations: list[Update] = []
        written: list[tuple[int, Offer, str]] = []  # what each operation does, in order
        retry: list[tuple[int, Offer]] = []
        for index, offer in batch:
            current = existing.get(offer.id)
            if current is None:  # gone since the insert failed: insert it on the next pass
                retry.append((index, offer))
                continue
            if current.get("employer_id") is not None:
                reason = "this id belongs to an offer an employer published"
                report.rejected.append(Rejection(index, offer.id, "id", reason))
                continue
            if current["status"] != Status.OPEN.value:
                reason = "the offer was closed; a closed offer is not reopened"
                report.rejected.append(Rejection(index, offer.id, "id", reason))
                continue
            if current.get("content_hash") == content_hash(offer):
                report.unchanged += 1
                continue
            version = current["version"]
            entry, new_fingerprint = published_entry(offer, version + 1)
            where = {"version": version, "status": Status.OPEN.value}
            if new_fingerprint == current["fingerprint"]:
                operations.append(Update(offer.id, {"$set": _state(offer)}, where))
                written.append((index, offer, "unchanged"))
            else:
                update = {
                    "$set": {
                        **_state(offer),
                        "version": version + 1,
                        "fingerprint": new_fingerprint,
                    },
                    "$push": {OUTBOX_FIELD: entry},
                }
                operations.append(Update(offer.id, update, where))
                written.append((index, offer, "updated"))
        if not operations:
            return retry
        applied = await self.offers.update_each(operations)
        for index, offer, outcome in written:
            if offer.id not in applied:
                retry.append((index, offer))
            elif outcome == "updated":
                report.updated += 1
                report.queued.append(offer.id)
            else:
                report.unchanged += 1
        return retry

    async def close_expired(self, now: datetime, batch_size: int = 1000) -> list[str]:
        """Close every open offer past its validity, each with `offer-closed` in its outbox;
        return the ids closed.

        Each closure is conditional on the offer being open and expired still, so two replicas
        sweeping at once close each offer once.
        """
        closed: list[str] = []
        expired = {"status": Status.OPEN.value, "valid_until": {"$lt": now}}
        while True:
            ids = [
                document["_id"]
                async for document in self.offers.raw.find(expired, {"_id": 1}).limit(batch_size)
            ]
            closures = [
                Update(offer_id, _closing(offer_id, ClosureReason.EXPIRED, now), expired)
                for offer_id in ids
            ]
            closed += sorted(await self.offers.update_each(closures))
            if len(ids) < batch_size:
                return closed
