"""Verified tokens are remembered, never past their expiry nor their maximum age."""

import asyncio
import time
from typing import Any

import httpx
import jwt
import pytest

from gateway.config import Settings
from gateway.tokens import (
    DEV_ISSUER,
    InvalidTokenError,
    TokenVerifier,
    VerifiedTokens,
    dev_private_key,
)
from servicekit.auth import Principal, Role

SEEKER = Principal(sub="s-1", role=Role.SEEKER)


def signed(**changes: Any) -> str:
    body = {"iss": DEV_ISSUER, "aud": "tremplin", "sub": "s-1", "role": "seeker"}
    body["exp"] = int(time.time()) + 60
    body.update(changes)
    return jwt.encode(body, dev_private_key("tremplin-development-issuer"), algorithm="ES256")


def test_a_token_is_known_until_its_expiry() -> None:
    cache = VerifiedTokens(capacity=10, max_age_s=300)
    cache.put("t", SEEKER, expires_at=1060.0, now=1000.0)

    assert cache.get("t", now=1059.9) == SEEKER
    assert cache.get("t", now=1060.0) is None
    assert len(cache) == 0


def test_a_token_is_checked_again_after_the_maximum_age() -> None:
    cache = VerifiedTokens(capacity=10, max_age_s=30)
    cache.put("t", SEEKER, expires_at=5000.0, now=1000.0)

    assert cache.get("t", now=1029.0) == SEEKER
    assert cache.get("t", now=1030.0) is None


def test_the_least_recently_used_token_goes_first() -> None:
    cache = VerifiedTokens(capacity=2, max_age_s=300)
    cache.put("a", SEEKER, expires_at=2000.0, now=1000.0)
    cache.put("b", SEEKER, expires_at=2000.0, now=1000.0)
    cache.get("a", now=1001.0)
    cache.put("c", SEEKER, expires_at=2000.0, now=1002.0)

    assert len(cache) == 2
    assert cache.get("b", now=1003.0) is None
    assert cache.get("a", now=1003.0) == SEEKER


def test_nothing_is_kept_when_the_cache_is_off_or_the_token_already_expired() -> None:
    off = VerifiedTokens(capacity=0, max_age_s=300)
    off.put("t", SEEKER, expires_at=2000.0, now=1000.0)
    on = VerifiedTokens(capacity=10, max_age_s=300)
    on.put("t", SEEKER, expires_at=999.0, now=1000.0)

    assert len(off) == 0
    assert len(on) == 0


async def test_a_remembered_token_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(Settings(dev_issuer=True))
    checks = 0
    check = verifier._verify

    async def counted(token: str) -> Any:
        nonlocal checks
        checks += 1
        return await check(token)

    monkeypatch.setattr(verifier, "_verify", counted)
    token = signed()

    first = await verifier.verify(token)
    second = await verifier.verify(token)

    assert first == second == SEEKER
    assert checks == 1


async def test_a_refused_token_is_refused_every_time() -> None:
    verifier = TokenVerifier(Settings(dev_issuer=True))
    token = signed(aud="another-app")

    for _ in range(2):
        with pytest.raises(InvalidTokenError):
            await verifier.verify(token)
    assert len(verifier.verified) == 0


async def test_a_remembered_token_is_refused_once_expired(client: httpx.AsyncClient) -> None:
    expires = int(time.time()) + 1
    headers = {"Authorization": f"Bearer {signed(exp=expires)}"}
    accepted = await client.get("/v1/me/profile", headers=headers)
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)

    refused = await client.get("/v1/me/profile", headers=headers)

    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 401, refused.text
    assert "expired" in refused.json()["detail"]
