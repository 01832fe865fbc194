"""The web pages' server-side sessions and sign-ins under way, against the real FerretDB."""

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from gateway.web.sessions import PendingSignIn, WebSession, WebSessions, digest, now
from servicekit.auth import Role
from servicekit.data import Database
from servicekit.settings import MongoSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(mongo: MongoSettings, run_id: str) -> AsyncIterator[WebSessions]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo.url)
    sessions = WebSessions(await Database.open(client[f"test_{run_id}"]))
    await sessions.ensure_indexes()
    yield sessions
    await client.close()


def a_session(sub: str, lives: timedelta = timedelta(hours=1)) -> WebSession:
    return WebSession(sub, Role.SEEKER, "Amina", now() + lives, id_token="header.claims.sig")


async def test_a_session_is_found_by_its_secret_only_and_closed_once(store: WebSessions) -> None:
    secret = await store.open(a_session("s-1"))

    found = await store.find(secret)
    stored = await store.sessions.get(digest(secret))

    assert found is not None
    assert (found.sub, found.role, found.id_token) == ("s-1", Role.SEEKER, "header.claims.sig")
    assert stored is not None
    assert secret not in str(stored), "the store keeps a digest only"
    assert await store.find("another-secret") is None
    assert (await store.close(secret)) == found
    assert await store.close(secret) is None
    assert await store.find(secret) is None


async def test_expired_sessions_are_refused_then_swept(store: WebSessions) -> None:
    old = await store.open(a_session("s-2", lives=timedelta(seconds=-1)))
    kept = await store.open(a_session("s-3"))
    browser = "browser-secret"
    await store.begin(browser, PendingSignIn("app", "st-old", "n", "v", "u", now()))

    assert await store.find(old) is None
    assert await store.take(browser, "st-old") is None
    await store.open(a_session("s-4", lives=timedelta(seconds=-1)))
    assert await store.sweep() >= 1
    assert await store.find(kept) is not None


async def test_a_sign_in_is_taken_once_by_the_browser_that_began_it(store: WebSessions) -> None:
    pending = PendingSignIn("console", "st-1", "nonce", "verifier", "http://x/cb", now())
    pending = PendingSignIn(**{**pending.__dict__, "expires_at": now() + timedelta(minutes=5)})
    await store.begin("browser-a", pending)

    assert await store.take("browser-b", "st-1") is None
    assert await store.take("browser-a", "st-2") is None
    taken = await store.take("browser-a", "st-1")
    assert taken is not None
    assert (taken.area, taken.nonce, taken.code_verifier) == ("console", "nonce", "verifier")
    assert await store.take("browser-a", "st-1") is None


async def test_erasure_forgets_every_session_of_the_person(store: WebSessions) -> None:
    first, second = await store.open(a_session("s-9")), await store.open(a_session("s-9"))
    other = await store.open(a_session("s-10"))

    assert await store.forget("s-9") == 2
    assert await store.find(first) is None
    assert await store.find(second) is None
    assert await store.find(other) is not None
