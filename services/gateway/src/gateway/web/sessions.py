"""Server-side sessions of the web pages, and the sign-ins under way, through the data layer.

The browser holds a random value only (a cookie); the store keeps its SHA-256, so that a copy of
the database signs nobody in. Entries past their time are refused when read and swept
periodically (no TTL index: not every store the data layer serves has one). Every read and write
goes by `_id`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from fastapi import FastAPI
from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from servicekit.auth import Principal, Role
from servicekit.data import Database

log = logging.getLogger(__name__)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class WebSession:
    sub: str
    role: Role
    name: str | None
    expires_at: datetime
    # The provider's ID token, sent back as `id_token_hint` when signing out there.
    id_token: str | None = None

    @property
    def principal(self) -> Principal:
        return Principal(sub=self.sub, role=self.role, name=self.name)


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback needs to check and finish a sign-in started in this browser."""

    area: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    expires_at: datetime


class SessionStore(Protocol):
    async def open(self, session: WebSession) -> str: ...
    async def find(self, secret: str) -> WebSession | None: ...
    async def close(self, secret: str) -> WebSession | None: ...
    async def forget(self, sub: str) -> int: ...
    async def begin(self, browser: str, pending: PendingSignIn) -> None: ...
    async def take(self, browser: str, state: str) -> PendingSignIn | None: ...


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime) -> datetime:
    """MongoDB hands datetimes back without their zone: they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class WebSessions:
    def __init__(self, database: Database) -> None:
        self.sessions = database.documents("web_sessions")
        self.pending = database.documents("web_signins")

    async def ensure_indexes(self) -> None:
        await self.sessions.raw.create_index([("sub", ASCENDING)])
        for documents in (self.sessions, self.pending):
            await documents.raw.create_index([("expires_at", ASCENDING)])

    async def open(self, session: WebSession) -> str:
        secret = new_secret()
        await self.sessions.insert({"_id": digest(secret), **_session_fields(session)})
        return secret

    async def find(self, secret: str) -> WebSession | None:
        found = await self.sessions.get(digest(secret))
        if found is None:
            return None
        session = _session_of(found)
        if session.expires_at <= now():
            await self.sessions.delete([found["_id"]])
            return None
        return session

    async def close(self, secret: str) -> WebSession | None:
        found = await self.sessions.raw.find_one_and_delete({"_id": digest(secret)})
        return _session_of(found) if found else None

    async def forget(self, sub: str) -> int:
        """Every session of this person (erasure): a rare scan, by `sub`."""
        result = await self.sessions.raw.delete_many({"sub": sub})
        return result.deleted_count

    async def begin(self, browser: str, pending: PendingSignIn) -> None:
        document = {
            "_id": digest(browser, pending.state),
            "area": pending.area,
            "nonce": pending.nonce,
            "code_verifier": pending.code_verifier,
            "redirect_uri": pending.redirect_uri,
            "expires_at": pending.expires_at,
        }
        await self.pending.insert(document)

    async def take(self, browser: str, state: str) -> PendingSignIn | None:
        """The sign-in this browser started with this state, once only."""
        found = await self.pending.raw.find_one_and_delete({"_id": digest(browser, state)})
        if found is None or aware(found["expires_at"]) <= now():
            return None
        return PendingSignIn(
            area=found["area"],
            state=state,
            nonce=found["nonce"],
            code_verifier=found["code_verifier"],
            redirect_uri=found["redirect_uri"],
            expires_at=aware(found["expires_at"]),
        )

    async def sweep(self) -> int:
        deleted = 0
        for documents in (self.sessions, self.pending):
            result = await documents.raw.delete_many({"expires_at": {"$lte": now()}})
            deleted += result.deleted_count
        return deleted


def _session_fields(session: WebSession) -> dict[str, Any]:
    return {**asdict(session), "role": session.role.value}


def _session_of(document: dict[str, Any]) -> WebSession:
    return WebSession(
        sub=document["sub"],
        role=Role(document["role"]),
        name=document.get("name"),
        expires_at=aware(document["expires_at"]),
        id_token=document.get("id_token"),
    )


async def sweep_sessions(app: FastAPI, every_s: float) -> None:
    """Delete the sessions and sign-ins past their time, now and then (a background task)."""
    while True:
        await asyncio.sleep(every_s)
        store = getattr(app.state, "web_sessions", None)
        if isinstance(store, WebSessions):
            try:
                await store.sweep()
            except PyMongoError as error:
                log.warning("web sessions not swept", extra={"error": str(error)})
