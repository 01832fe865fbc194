"""Internal tokens made by hand, as a forger would: the expected claims, signed with any value."""

from __future__ import annotations

import time
from typing import Any

import jwt

from servicekit.auth import INTERNAL_AUDIENCE, INTERNAL_ISSUER, Role


def internal_claims(sub: str, role: Role, ttl_s: int = 60) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": sub,
        "role": role.value,
        "iss": INTERNAL_ISSUER,
        "aud": INTERNAL_AUDIENCE,
        "iat": now,
        "exp": now + ttl_s,
    }


def signed(claims: dict[str, Any], secret: str, kid: str | None = None) -> str:
    """HS256 over the claims, naming the key `kid` when given."""
    headers = None if kid is None else {"kid": kid}
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers)
