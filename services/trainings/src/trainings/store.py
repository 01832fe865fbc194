"""Training sessions in MongoDB: one document per session, its outbox inside (one atomic write
for both), through the data layer (`servicekit.data`).

An import inserts its new sessions in one round trip per chunk, reads only the ids that exist,
and writes only those whose facts changed: importing the same file twice writes nothing.

The session itself is kept as one JSON string: nothing queries inside it (queries use the copies
of its fields beside it), and a store writes a string for a fraction of what a nested document
of twenty fields costs it (docs/trainings.md: twice the import rate on the local store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from math import cos, radians
from typing import Any

from pymongo import ASCENDING

from contracts import TRAINING_CLOSED, TRAINING_PUBLISHED, TrainingClosed, new_envelope
from servicekit.compound_indexes import Keys, ensure_indexes
from servicekit.data import Database, Update
from servicekit.outbox import OUTBOX_FIELD, outbox_entry
from trainings.domain.session import Session, content_hash, fingerprint, published_payload

PRODUCER = "trainings"
OPEN, CLOSED = "open", "closed"
ENDED = "ended"
KM_PER_DEGREE = 111.2
STATE = {"version": 1, "fingerprint": 1, "content_hash": 1, "status": 1}
VIEW = {"session": 1, "version": 1, "status": 1, "closed_at": 1}


@dataclass
class SessionCounts:
    accepted: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0

    def add(self, other: SessionCounts) -> None:
        self.accepted += other.accepted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.closed += other.closed


@dataclass
class BatchReport(SessionCounts):
    # Sessions that queued an event, for the outbox relay.
    queued: list[str] = field(default_factory=list)
    # Sessions a concurrent writer got in the way of.
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredSession:
    session: Session
    version: int
    status: str
    closed_at: datetime | None = None


def midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=UTC)


def published_entry(session: Session, version: int) -> dict[str, Any]:
    envelope = new_envelope(published_payload(session, version), producer=PRODUCER)
    return outbox_entry(envelope, TRAINING_PUBLISHED)


def closed_entry(session_id: str, closed_at: datetime) -> dict[str, Any]:
    payload = TrainingClosed(session_id=session_id, reason=ENDED, closed_at=closed_at)
    return outbox_entry(new_envelope(payload, producer=PRODUCER), TRAINING_CLOSED)


def _closing(session_id: str, closed_at: datetime) -> dict[str, Any]:
    """What closes a session that ended, `training-closed` queued in its outbox."""
    return {
        "$set": {"status": CLOSED, "closed_reason": ENDED, "closed_at": closed_at},
        "$push": {OUTBOX_FIELD: closed_entry(session_id, closed_at)},
    }


def _state(session: Session) -> dict[str, Any]:
    """The stored session and the copies of its fields that queries filter on."""
    return {
        "session": session.model_dump_json(),
        "content_hash": content_hash(session),
        "fingerprint": fingerprint(session),
        "formation_id": session.formation_id,
        "action_id": session.action_id,
        "rome_codes": session.rome_codes,
        "formacodes": session.formacodes,
        "latitude": session.place.latitude,
        "longitude": session.place.longitude,
        "starts_at": midnight(session.starts_on),
        "ends_at": midnight(session.ends_on),
        "recruiting": session.recruiting,
    }


def _new_document(session: Session, today: date, now: datetime) -> dict[str, Any]:
    document = {"_id": session.id, **_state(session), "version": 1}
    if session.has_ended(today):
        # Never published: nobody has to hear that it closed.
        return {**document, "status": CLOSED, "closed_reason": ENDED, "closed_at": now}
    return {**document, "status": OPEN, OUTBOX_FIELD: [published_entry(session, 1)]}


def session_of(document: dict[str, Any]) -> Session:
    stored = document["session"]
    if isinstance(stored, str):
        return Session.model_validate_json(stored)
    return Session.model_validate(stored)  # written by an earlier version, as a document


def _stored(document: dict[str, Any]) -> StoredSession:
    return StoredSession(
        session=session_of(document),
        version=document["version"],
        status=document["status"],
        closed_at=document.get("closed_at"),
    )


INDEXES: list[Keys] = [
    [("status", ASCENDING), ("ends_at", ASCENDING)],
    [("status", ASCENDING), ("rome_codes", ASCENDING)],
    [("formation_id", ASCENDING), ("action_id", ASCENDING)],
]


class SessionStore:
    def __init__(self, database: Database) -> None:
        self.sessions = database.documents("sessions")

    async def create_indexes(self) -> None:
        await ensure_indexes(self.sessions, INDEXES)

    async def get(self, session_id: str) -> StoredSession | None:
        document = await self.sessions.get(session_id, VIEW)
        return None if document is None else _stored(document)

    async def joinable_near(
        self, latitude: float, longitude: float, radius_km: float, today: date, limit: int = 2000
    ) -> list[Session]:
        """Open, recruiting sessions not begun yet, in the box around the point (the caller
        measures the real distance)."""
        lat_span = radius_km / KM_PER_DEGREE
        lon_span = radius_km / (KM_PER_DEGREE * max(0.1, cos(radians(latitude))))
        query = {
            "status": OPEN,
            "recruiting": True,
            "starts_at": {"$gt": midnight(today)},
            "latitude": {"$gte": latitude - lat_span, "$lte": latitude + lat_span},
            "longitude": {"$gte": longitude - lon_span, "$lte": longitude + lon_span},
        }
        cursor = self.sessions.raw.find(query, {"session": 1}).limit(limit)
        return [session_of(document) async for document in cursor]

    async def import_batch(self, batch: list[Session], today: date, now: datetime) -> BatchReport:
        """Insert new sessions, update changed ones, leave identical ones alone: in bulk.
        A session in `batch` once only (the caller keeps the last of duplicates).

        What exists is read first (by `_id`, one query per chunk): a re-import sends the store
        no insert that would fail on a duplicate key, only the changes."""
        report = BatchReport()
        existing = await self.sessions.get_many([s.id for s in batch], STATE)
        fresh = [s for s in batch if s.id not in existing]
        inserted = await self.sessions.insert_new([_new_document(s, today, now) for s in fresh])
        for session in fresh:
            if session.id in inserted:
                report.accepted += 1
                if session.has_ended(today):
                    report.closed += 1
                else:
                    report.queued.append(session.id)
        # Inserted meanwhile by another import: read again, then handled as known.
        raced = [s for s in fresh if s.id not in inserted]
        if raced:
            existing |= await self.sessions.get_many([s.id for s in raced], STATE)
        known = [s for s in batch if s.id in existing]
        report.conflicts += [s.id for s in raced if s.id not in existing]
        if known:
            await self._update_known(known, existing, today, now, report)
        return report

    async def _update_known(
        self,
        batch: list[Session],
        existing: dict[Any, dict[str, Any]],
        today: date,
        now: datetime,
        report: BatchReport,
    ) -> None:
        operations: list[Update] = []
        published: list[str] = []
        for session in batch:
            current = existing[session.id]
            if current.get("content_hash") == content_hash(session):
                report.unchanged += 1
                continue
            operations.append(self._change(session, current, today, now, published))
        applied = await self.sessions.update_each(operations)
        for operation in operations:
            if operation.id not in applied:
                report.conflicts.append(operation.id)
                continue
            report.updated += 1
            if operation.id in published:
                report.queued.append(operation.id)

    def _change(
        self,
        session: Session,
        current: dict[str, Any],
        today: date,
        now: datetime,
        published: list[str],
    ) -> Update:
        version, status = current["version"], current["status"]
        where = {"version": version, "status": status}
        change: dict[str, Any] = {"$set": _state(session)}
        ended = session.has_ended(today)
        if status == OPEN and ended:
            closing = _closing(session.id, now)
            change["$set"] |= closing["$set"]
            change["$push"] = closing["$push"]
            published.append(session.id)
        elif not ended and (status == CLOSED or current["fingerprint"] != fingerprint(session)):
            # New facts to match on, or new dates that reopen it: the next version.
            change["$set"] |= {"status": OPEN, "version": version + 1}
            change["$unset"] = {"closed_reason": "", "closed_at": ""}
            change["$push"] = {OUTBOX_FIELD: published_entry(session, version + 1)}
            published.append(session.id)
        return Update(session.id, change, where)

    async def close_ended(self, today: date, now: datetime, batch_size: int = 1000) -> list[str]:
        """Close every open session whose last day is past, each with `training-closed` in its
        outbox; return the ids closed. Conditional: two replicas sweeping close each once."""
        closed: list[str] = []
        ended = {"status": OPEN, "ends_at": {"$lt": midnight(today)}}
        while True:
            ids = [
                document["_id"]
                async for document in self.sessions.raw.find(ended, {"_id": 1}).limit(batch_size)
            ]
            closures = [Update(session_id, _closing(session_id, now), ended) for session_id in ids]
            closed += sorted(await self.sessions.update_each(closures))
            if len(ids) < batch_size:
                return closed
