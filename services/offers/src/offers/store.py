"""Offers in MongoDB: one document per offer, its outbox inside (one atomic write for both).

Writes find their document by `_id` alone: FerretDB 1.24 uses its `_id` index only for such a
filter and reads the whole collection for any other. There, the conditions of a write (version,
status) are checked here under the write lock, which FerretDB's own unisolated check would not
make safer; on MongoDB they stay in the filter as well. An import inserts its new offers in one
round trip (an insert with a new `_id` is atomic and fast) and reads only the ids that exist.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from contracts import OFFER_CLOSED, OFFER_PUBLISHED, OfferClosed, new_envelope
from contracts.offers import OfferStatus as Status
from contracts.vocabulary import ClosureReason
from offers.domain.offer import Offer, content_hash, fingerprint, published_payload
from servicekit.mongo import find_by_ids, in_commands, is_ferretdb
from servicekit.outbox import OUTBOX_FIELD, outbox_entry

PRODUCER = "offers"
KM_PER_DEGREE = 111.2
DUPLICATE_KEY = 11000
READ_CONCURRENCY = 16
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


class ConcurrentUpdateError(Exception):
    pass


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
class ImportReport:
    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
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


def _new_document(offer: Offer) -> dict[str, Any]:
    entry, new_fingerprint = published_entry(offer, 1)
    return {
        "_id": offer.id,
        **_state(offer),
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


class OfferStore:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], write_lock: asyncio.Lock | None = None
    ) -> None:
        self.offers = database["offers"]
        # Shared with the outbox relay: FerretDB loses one of two concurrent updates of a document.
        self._writes: contextlib.AbstractAsyncContextManager[Any] = (
            write_lock or contextlib.nullcontext()
        )
        self.checks_in_process = False

    def _where(self, offer_id: str, conditions: dict[str, Any]) -> dict[str, Any]:
        """The filter of a write whose conditions were checked under the write lock."""
        return {"_id": offer_id} if self.checks_in_process else {"_id": offer_id, **conditions}

    async def _read(self, ids: list[str], projection: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """Documents by id: one by one on FerretDB (where `$in` reads the whole collection)."""
        found = await find_by_ids(
            self.offers,
            ids,
            projection,
            one_by_one=self.checks_in_process,
            concurrency=READ_CONCURRENCY,
        )
        return {document["_id"]: document for document in found}

    async def _insert_one(self, document: dict[str, Any]) -> None:
        async with self._writes:
            await self.offers.insert_one(document)

    async def create_indexes(self) -> None:
        await self.offers.create_index([("status", ASCENDING), ("valid_until", ASCENDING)])
        await self.offers.create_index([("status", ASCENDING), ("rome_code", ASCENDING)])
        await self.offers.create_index([("status", ASCENDING), ("published_at", DESCENDING)])
        self.checks_in_process = await is_ferretdb(self.offers.database)

    async def get(self, offer_id: str) -> StoredOffer | None:
        document = await self.offers.find_one({"_id": offer_id}, VIEW)
        return None if document is None else _stored(document)

    async def publish(self, offer: Offer) -> Saved:
        """Store a new offer with `offer-published` v1; the same offer again changes nothing."""
        for _ in range(10):
            try:
                await self._insert_one(_new_document(offer))
            except DuplicateKeyError:
                pass
            else:
                return Saved(StoredOffer(offer, 1, Status.OPEN), created=True, published=True)
            current = await self.offers.find_one({"_id": offer.id}, {**VIEW, **STATE})
            if current is None:
                continue  # erased in between: try again
            _, new_fingerprint = published_entry(offer, current["version"])
            same_owner = current.get("employer_id") == offer.employer_id
            if not same_owner or current["fingerprint"] != new_fingerprint:
                raise OfferExistsError(offer.id)
            return Saved(_stored(current), created=False, published=False)
        raise ConcurrentUpdateError(offer.id)

    async def replace(self, offer: Offer, expected_version: int) -> Saved:
        """Store new facts of an open offer; a material change publishes the next version."""
        async with self._writes:
            current = await self.offers.find_one(
                {"_id": offer.id}, {"fingerprint": 1, "version": 1, "status": 1}
            )
            if (
                current is None
                or current["version"] != expected_version
                or current["status"] != Status.OPEN.value
            ):
                raise ConcurrentUpdateError(offer.id)
            entry, new_fingerprint = published_entry(offer, expected_version + 1)
            update: dict[str, Any]
            if new_fingerprint == current["fingerprint"]:
                version, published = expected_version, False
                update = {"$set": _state(offer)}
            else:
                version, published = expected_version + 1, True
                update = {
                    "$set": {**_state(offer), "version": version, "fingerprint": new_fingerprint},
                    "$push": {OUTBOX_FIELD: entry},
                }
            where = {"version": expected_version, "status": Status.OPEN.value}
            result = await self.offers.update_one(self._where(offer.id, where), update)
        if result.matched_count != 1:
            raise ConcurrentUpdateError(offer.id)
        stored = StoredOffer(offer, version, Status.OPEN)
        return Saved(stored, created=False, published=published)

    async def close(self, offer_id: str, reason: ClosureReason, now: datetime) -> Saved | None:
        """Close an open offer with `offer-closed`; closing it again changes nothing."""
        closed = False
        async with self._writes:
            current = await self.offers.find_one({"_id": offer_id}, {"status": 1})
            if current is not None and current["status"] == Status.OPEN.value:
                # Not findAndModify: FerretDB does not project its answer.
                result = await self.offers.update_one(
                    self._where(offer_id, {"status": Status.OPEN.value}),
                    {
                        "$set": {
                            "status": Status.CLOSED.value,
                            "closed_reason": reason.value,
                            "closed_at": now,
                        },
                        "$push": {OUTBOX_FIELD: closed_entry(offer_id, reason, now)},
                    },
                )
                closed = result.modified_count == 1
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
        async with self._writes:
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
        known: set[int] = set()
        try:
            await self.offers.insert_many([_new_document(o) for _, o in batch], ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item.get("code") != DUPLICATE_KEY for item in errors):
                raise
            known = {int(item["index"]) for item in errors}
        for position, (_, offer) in enumerate(batch):
            if position not in known:
                report.accepted += 1
                report.queued.append(offer.id)
        return [batch[position] for position in sorted(known)]

    async def _update_known(
        self, batch: list[tuple[int, Offer]], report: ImportReport
    ) -> list[tuple[int, Offer]]:
        existing = await self._read([offer.id for _, offer in batch], STATE)
        operations: list[UpdateOne] = []
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
            where = self._where(offer.id, {"version": version, "status": Status.OPEN.value})
            if new_fingerprint == current["fingerprint"]:
                operations.append(UpdateOne(where, {"$set": _state(offer)}))
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
                operations.append(UpdateOne(where, update))
                written.append((index, offer, "updated"))
        if not operations:
            return retry
        failed: set[int] = set()
        matched = 0
        for start, command in in_commands(operations):
            try:
                matched += (
                    await self.offers.bulk_write(list(command), ordered=False)
                ).matched_count
            except BulkWriteError as error:
                errors = error.details.get("writeErrors", [])
                failed |= {start + int(item["index"]) for item in errors}
                matched += error.details.get("nMatched", 0)
        if matched < len(operations) - len(failed):
            failed |= await self._updates_not_applied(operations, written, failed)
        for position, (index, offer, outcome) in enumerate(written):
            if position in failed:
                retry.append((index, offer))
            elif outcome == "updated":
                report.updated += 1
                report.queued.append(offer.id)
            else:
                report.unchanged += 1
        return retry

    async def _updates_not_applied(
        self,
        operations: Sequence[UpdateOne],
        written: list[tuple[int, Offer, str]],
        failed: set[int],
    ) -> set[int]:
        """Positions of updates whose version filter missed: someone else wrote in between."""
        positions = {
            written[position][1].id: position
            for position, operation in enumerate(operations)
            if isinstance(operation, UpdateOne) and position not in failed
        }
        ours = {written[p][1].id: content_hash(written[p][1]) for p in positions.values()}
        documents = await self._read(list(positions), {"content_hash": 1})
        found = {offer_id: document.get("content_hash") for offer_id, document in documents.items()}
        return {
            position
            for offer_id, position in positions.items()
            if found.get(offer_id) != ours[offer_id]
        }

    async def close_expired(self, now: datetime, batch_size: int = 1000) -> int:
        """Close every open offer past its validity, each with `offer-closed` in its outbox.

        The filter repeats the condition (on MongoDB), so two replicas sweeping at once close each
        offer once; on FerretDB the write lock makes the find and the updates one step.
        """
        closed = 0
        expired = {"status": Status.OPEN.value, "valid_until": {"$lt": now}}
        while True:
            async with self._writes:
                ids = [
                    document["_id"]
                    async for document in self.offers.find(expired, {"_id": 1}).limit(batch_size)
                ]
                closures = [
                    UpdateOne(
                        self._where(offer_id, expired),
                        {
                            "$set": {
                                "status": Status.CLOSED.value,
                                "closed_reason": ClosureReason.EXPIRED.value,
                                "closed_at": now,
                            },
                            "$push": {
                                OUTBOX_FIELD: closed_entry(offer_id, ClosureReason.EXPIRED, now)
                            },
                        },
                    )
                    for offer_id in ids
                ]
                for _, command in in_commands(closures):
                    result = await self.offers.bulk_write(list(command), ordered=False)
                    closed += result.modified_count
            if len(ids) < batch_size:
                return closed
