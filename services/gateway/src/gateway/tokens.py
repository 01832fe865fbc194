"""Bearer tokens from the outside world: an OpenID Connect provider, or the development issuer.

Only asymmetric algorithms are accepted, never `none` nor a shared secret; issuer, audience and
expiry are required. The provider's keys come from its JWKS document, fetched again when a token
names a key we do not know (key rotation).
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from gateway.config import Settings
from servicekit.auth import Principal, Role

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
DEV_ISSUER = "tremplin-dev-issuer"
DEV_KEY_ID = "dev-1"
PUBLIC_ROLES = (Role.SEEKER, Role.COUNSELLOR, Role.EMPLOYER, Role.OPERATOR)


class InvalidTokenError(Exception):
    pass


def dev_private_key(secret: str) -> ec.EllipticCurvePrivateKey:
    """The same key on every replica, from the shared development secret."""
    scalar = int.from_bytes(hashlib.sha256(secret.encode()).digest(), "big")
    order = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
    return ec.derive_private_key(scalar % (order - 1) + 1, ec.SECP256R1())


@dataclass
class VerifiedTokens:
    """Tokens already verified, by their exact text: a bounded LRU whose entries die at `exp`.

    Checking an ES256 or RS256 signature costs more than the rest of a request; a mobile app sends
    the same token for its whole life. An entry also dies `max_age_s` after it was verified, so
    that a key the provider withdrew stops being trusted within that delay.
    """

    capacity: int
    max_age_s: float
    entries: OrderedDict[str, tuple[Principal, float]] = field(default_factory=OrderedDict)

    def get(self, token: str, now: float) -> Principal | None:
        entry = self.entries.get(token)
        if entry is None:
            return None
        principal, dies_at = entry
        if now >= dies_at:
            del self.entries[token]
            return None
        self.entries.move_to_end(token)
        return principal

    def put(self, token: str, principal: Principal, expires_at: float, now: float) -> None:
        dies_at = min(expires_at, now + self.max_age_s)
        if self.capacity <= 0 or now >= dies_at:
            return
        self.entries[token] = (principal, dies_at)
        self.entries.move_to_end(token)
        while len(self.entries) > self.capacity:
            self.entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self.entries)


@dataclass
class TokenVerifier:
    settings: Settings
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self.verified = VerifiedTokens(
            self.settings.token_cache_size, self.settings.token_cache_max_age_s
        )
        self._dev_key = dev_private_key(self.settings.dev_issuer_secret)
        self._jwks = (
            jwt.PyJWKClient(
                self.settings.oidc_jwks_url,
                cache_keys=True,
                lifespan=3600,
                timeout=5,
                cooldown_duration=self.settings.oidc_jwks_cooldown_s,
            )
            if self.settings.oidc_jwks_url
            else None
        )

    def mint_dev_token(self, sub: str, role: Role, name: str | None) -> tuple[str, int]:
        now = int(time.time())
        ttl = self.settings.dev_token_ttl_s
        claims = {
            "iss": DEV_ISSUER,
            "aud": self.settings.oidc_audience,
            "sub": sub,
            self.settings.role_claim: role.value,
            "name": name,
            "iat": now,
            "exp": now + ttl,
        }
        token = jwt.encode(claims, self._dev_key, algorithm="ES256", headers={"kid": DEV_KEY_ID})
        return token, ttl

    async def verify(self, token: str) -> Principal:
        now = self.clock()
        known = self.verified.get(token, now)
        if known is not None:
            return known
        principal, expires_at = await self._verify(token)
        self.verified.put(token, principal, expires_at, now)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise InvalidTokenError(f"malformed token: {error}") from None
        if header.get("alg") not in ALGORITHMS:
            raise InvalidTokenError(f"algorithm {header.get('alg')!r} is not accepted")
        issuer = unverified.get("iss")
        if self.settings.dev_issuer and issuer == DEV_ISSUER:
            key: Any = self._dev_key.public_key()
        elif self._jwks is not None and issuer == self.settings.oidc_issuer:
            try:
                signing_key = await anyio.to_thread.run_sync(
                    self._jwks.get_signing_key_from_jwt, token
                )
            except jwt.PyJWKClientError as error:
                raise InvalidTokenError(f"no key to check this token: {error}") from None
            key = signing_key.key
        else:
            raise InvalidTokenError(f"issuer {issuer!r} is not trusted")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.settings.oidc_audience,
                issuer=issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from None
        try:
            role = Role(str(claims.get(self.settings.role_claim)))
        except ValueError:
            raise InvalidTokenError("the token carries no known role") from None
        if role not in PUBLIC_ROLES:
            raise InvalidTokenError(f"role {role.value!r} cannot call the public API")
        principal = Principal(sub=claims["sub"], role=role, name=claims.get("name"))
        return principal, float(claims["exp"])
